"""What happened on an appeal, as its appellant may see it, read from the appeal's own audit trail."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from appeals.models import Appeal
from portal.audit.models import AuditEvent

SHOWN = {
    "appeal.filed": _("You sent your appeal."),
    "appeal.claimed": _("A reviewer started work on it."),
    "appeal.info_requested": _("We asked you for more information."),
    "appeal.answered": _("You wrote to us."),
    "appeal.message_sent": _("Your reviewer wrote to you."),
    "appeal.decided": _("The appeal was decided."),
    "appeal.decision_approved": _("The appeal was decided."),
    "appeal.withdrawn": _("You withdrew the appeal."),
}
# Someone writing from an unverified address is not told a reviewer picked it up (see Appeal.status_for_appellant).
HIDDEN_UNTIL_VERIFIED = {"appeal.claimed"}


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    text: str | Promise


def appellant_timeline(appeal: Appeal) -> list[TimelineEntry]:
    actions = set(SHOWN) - (set() if appeal.identity_verified else HIDDEN_UNTIL_VERIFIED)
    entries, seen_claim = [], False
    for action, at in (
        AuditEvent.objects.for_target(appeal).filter(action__in=actions).values_list("action", "created_at")
    ):
        if action == "appeal.claimed":
            if seen_claim:
                continue  # released and claimed again is one step to the appellant
            seen_claim = True
        entries.append(TimelineEntry(at=at, text=SHOWN[action]))
    return entries
