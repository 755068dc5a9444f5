"""Many appeals or approvals at once, for senior reviewers reversing a wrongful wave.

A bulk action is not one big change: it runs the ordinary single-item service once per item, each in its own
transaction, so every appeal gets its own decision, notification and audit event, the rules are checked for each
one exactly as on the case page, and one refusal never undoes the others. What was done is summed up in one more
audit event.
"""

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from accounts.models import User
from appeals.models import Appeal, Decision, Outcome
from appeals.services import appeal_decide, decision_approve
from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.rules import RuleViolation

BULK_LIMIT = 500  # items per run: bounds the length of one request and of the page that lists them
AUDIT_SAMPLE = 50  # references kept per group in the summary event; the per-item events hold the rest
BULK_OUTCOMES = (Outcome.OVERTURNED, Outcome.MODIFIED)


@dataclass
class BulkResult:
    """What happened to each item of one bulk run, by reference. Skips are grouped by the reason given."""

    batch: str
    action: str  # "decide" or "approve"
    done: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)  # proposed reversals waiting for a second senior
    skipped: dict[str, list[str]] = field(default_factory=dict)  # reason -> references
    skipped_codes: dict[str, int] = field(default_factory=dict)  # refusal code -> count, for the audit trail

    @property
    def skipped_count(self) -> int:
        return sum(len(references) for references in self.skipped.values())

    def skip(self, reference: str, refusal: RuleViolation) -> None:
        self.skipped.setdefault(refusal.message, []).append(reference)
        self.skipped_codes[refusal.code] = self.skipped_codes.get(refusal.code, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "BulkResult":
        return cls(**data)

    def audit_data(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "done": len(self.done),
            "waiting": len(self.waiting),
            "skipped": self.skipped_count,
            "skipped_codes": self.skipped_codes,
            "done_refs": self.done[:AUDIT_SAMPLE],
            "waiting_refs": self.waiting[:AUDIT_SAMPLE],
            "skipped_refs": [ref for refs in self.skipped.values() for ref in refs][:AUDIT_SAMPLE],
        }


def appeals_bulk_decide(
    *,
    appeals: Sequence[Appeal] | Sequence[int],
    by: User,
    outcome: Outcome | str,
    reasons: str,
    new_decision_account: str = "",
    new_end_date: datetime | None = None,
    ip: str | None = None,
) -> BulkResult:
    """Reverse many appeals with the same written reasons. Call it outside any transaction: each appeal is decided
    in its own, so what succeeded stays decided whatever happens to the rest."""
    _require_perms(by, "appeals.bulk_decide")
    outcome = _reversal(outcome)
    if not (reasons or "").strip():
        raise RuleViolation(_("Write the reasons the appellant will read."), code="required")
    if outcome == Outcome.MODIFIED and not new_decision_account and new_end_date is None:
        raise RuleViolation(
            _("Say how the restriction changes: a lighter restriction or an earlier end."), code="modify"
        )
    targets = _resolve(Appeal, appeals)
    result = BulkResult(batch=uuid.uuid4().hex, action="decide")
    for appeal in targets:
        try:
            decision = appeal_decide(
                appeal=appeal,
                by=by,
                outcome=outcome,
                reasons=reasons,
                new_decision_account=new_decision_account if outcome == Outcome.MODIFIED else "",
                new_end_date=new_end_date if outcome == Outcome.MODIFIED else None,
                ip=ip,
            )
        except RuleViolation as refusal:
            result.skip(appeal.reference, refusal)
            continue
        (result.waiting if decision.state == Decision.State.PROPOSED else result.done).append(appeal.reference)
    audit_record(
        actor=Actor.staff(by, ip),
        action="appeal.bulk_decided",
        target=("appeals.bulk", result.batch),
        data={"outcome": str(outcome), **result.audit_data()},
    )
    return result


def decisions_bulk_approve(
    *, decisions: Sequence[Decision] | Sequence[int], by: User, ip: str | None = None
) -> BulkResult:
    """Approve many proposed reversals, each in its own transaction. The four-eyes rule holds for every one: a
    senior's own proposals are skipped, not approved."""
    _require_perms(by, "appeals.approve_decision", "appeals.bulk_decide")
    targets = _resolve(Decision, decisions, select_related="appeal")
    result = BulkResult(batch=uuid.uuid4().hex, action="approve")
    for decision in targets:
        try:
            decision_approve(decision=decision, by=by, ip=ip)
        except RuleViolation as refusal:
            result.skip(decision.appeal.reference, refusal)
            continue
        result.done.append(decision.appeal.reference)
    audit_record(
        actor=Actor.staff(by, ip),
        action="appeal.bulk_approved",
        target=("appeals.bulk", result.batch),
        data=result.audit_data(),
    )
    return result


def _pk(item: Appeal | Decision | int) -> int:
    return item.pk if isinstance(item, Appeal | Decision) else int(item)


def _require_perms(user: User, *perms: str) -> None:
    if not (user.is_active and user.has_perms(perms)):
        raise RuleViolation(_("Your role does not allow this."), code="perm")


def _reversal(outcome: Outcome | str) -> Outcome:
    if outcome not in BULK_OUTCOMES:
        raise RuleViolation(_("A bulk decision can only overturn or modify."), code="outcome")
    return Outcome(outcome)


def _resolve[M: (Appeal, Decision)](
    model: type[M], items: Sequence[M] | Sequence[int], select_related: str | None = None
) -> list[M]:
    """The chosen rows, in the order chosen and without repeats. Refuses before changing anything if the choice is
    empty, too large, or names a row that does not exist."""
    ids = list(dict.fromkeys(_pk(item) for item in items))
    if not ids:
        raise RuleViolation(_("Choose at least one item."), code="empty")
    if len(ids) > BULK_LIMIT:
        raise RuleViolation(_("Choose at most %(limit)d items at a time.") % {"limit": BULK_LIMIT}, code="too_many")
    queryset = model.objects.select_related(select_related) if select_related else model.objects.all()
    found = queryset.in_bulk(ids)
    if len(found) != len(ids):
        raise RuleViolation(
            _("Some of the chosen items no longer exist. Reload the page and choose again."), code="not_found"
        )
    return [found[pk] for pk in ids]
