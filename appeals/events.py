"""What the platform hears about appeals: the signed `appeal.decided` event, and above all what it must do now."""

from typing import Any

from appeals.models import Appeal, Decision, Outcome, Suspension
from portal.integrations.webhooks import webhook_event_queue

APPEAL_DECIDED = "appeal.decided"
# What the platform must do about the account; an overturn means "reinstate now".
ACTIONS = {
    Outcome.OVERTURNED: "reinstate_account",
    Outcome.MODIFIED: "modify_restriction",
    Outcome.UPHELD: "none",
}


def decision_announce(*, appeal: Appeal, decision: Decision) -> None:
    """Queue the final decision for every webhook endpoint, in the decision's own transaction. An appeal matched to
    no suspension concerns no restriction of the platform's, so there is nothing to announce."""
    if appeal.suspension is not None:
        webhook_event_queue(event_type=APPEAL_DECIDED, data=decision_event_data(appeal, appeal.suspension, decision))


def decision_event_data(appeal: Appeal, suspension: Suspension, decision: Decision) -> dict[str, Any]:
    return {
        "appeal": {"id": appeal.pk, "reference": appeal.reference, "status": appeal.status},
        "suspension": {"id": suspension.pk, "puid": suspension.puid, "handle": suspension.handle},
        "decision": {
            "outcome": decision.outcome,
            "reasons": decision.reasons,
            "decided_at": appeal.decided_at,
            "approved": decision.approved_by_id is not None,
            "new_decision_account": decision.new_decision_account or None,
            "new_end_date": decision.new_end_date,
        },
        "action": ACTIONS[Outcome(decision.outcome)],
    }
