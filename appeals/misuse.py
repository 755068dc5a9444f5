"""Misuse of the appeals (DSA Art. 23(2)-(3)): an account holder who keeps filing manifestly unfounded appeals is
first warned, then may be blocked from filing new ones for a while. Each step is a senior reviewer's decision,
weighed case by case, audited, and explained to the person.

The person is the account as the platform identifies it (the normalised handle), and only appeals known to come
from its holder count (identity verified), so a stranger writing in someone's name cannot get them warned.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from appeals.models import Appeal, AppealStatus, Decision, MisuseKind, MisuseMeasure, Suspension
from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.notifications.services import notification_queue
from portal.rules import RuleViolation

PERMISSION = "appeals.decide_misuse"
HOLDER_KEY = "appeal__suspension__handle_key"
# The misuse page lists this many proposals at most, the most recent first; the rest follow as these are decided.
PROPOSALS_SHOWN = 100


@dataclass(frozen=True)
class Proposal:
    """An account whose unfounded appeals since the last decision about it reach the threshold for the next step."""

    handle_key: str
    handle: str
    unfounded: int
    latest: datetime
    warned: bool  # so the step proposed is a block


@dataclass(frozen=True)
class Standing:
    """Where one account stands: the figures a senior weighs (Art. 23(3)(a)-(b)) and the measures on record."""

    handle_key: str
    handle: str
    unfounded: list[Decision]
    decided: int
    measures: list[MisuseMeasure]
    now: datetime

    @property
    def block(self) -> MisuseMeasure | None:
        return next((m for m in self.measures if _in_force(m, self.now)), None)

    @property
    def warning(self) -> MisuseMeasure | None:
        return next((m for m in self.measures if _standing_warning(m, self.now)), None)

    @property
    def since_last(self) -> int:
        """Unfounded appeals decided after the last measure: what the next step is weighed on."""
        last = self.measures[0].decided_at if self.measures else None
        return sum(1 for d in self.unfounded if last is None or _decided_at(d) > last)

    @property
    def step(self) -> str | None:
        """The step the rules allow now: a warning, a block (after a standing warning), or none."""
        if self.block is not None:
            return None
        if self.warning is not None:
            return MisuseKind.BLOCK if self.since_last >= settings.MISUSE_BLOCK_AFTER else None
        return MisuseKind.WARNING if self.since_last >= settings.MISUSE_WARNING_AFTER else None


# --- reads -----------------------------------------------------------------------------------------------------------


def misuse_proposals(now: datetime) -> list[Proposal]:
    """Accounts due for a senior's look, in one query: enough unfounded appeals within the period since the last
    decision about them, and not blocked now."""
    measures = MisuseMeasure.objects.filter(handle_key=OuterRef(HOLDER_KEY))
    rows = (
        Decision.objects.counted_as_misuse()
        .filter(appeal__decided_at__gte=_period_start(now))
        .annotate(last_measure=Subquery(measures.order_by("-decided_at").values("decided_at")[:1]))
        .filter(Q(last_measure__isnull=True) | Q(appeal__decided_at__gt=F("last_measure")))
        .values(HOLDER_KEY)
        .annotate(
            unfounded=Count("pk"),
            latest=Max("appeal__decided_at"),
            handle=Max("appeal__suspension__handle"),
            warned=Exists(measures.standing_warnings(now)),
            blocked=Exists(measures.blocks_in_force(now)),
        )
        .filter(
            Q(warned=False, unfounded__gte=settings.MISUSE_WARNING_AFTER)
            | Q(warned=True, blocked=False, unfounded__gte=settings.MISUSE_BLOCK_AFTER)
        )
        .order_by("-latest")[:PROPOSALS_SHOWN]
    )
    return [Proposal(row[HOLDER_KEY], row["handle"], row["unfounded"], row["latest"], row["warned"]) for row in rows]


def misuse_standing(key: str, now: datetime | None = None) -> Standing | None:
    """The account's figures and measures; None when nothing about it was ever found manifestly unfounded."""
    now = now or timezone.now()
    held = Appeal.objects.from_holder().filter(suspension__handle_key=key, decided_at__gte=_period_start(now))
    unfounded = list(
        Decision.objects.counted_as_misuse()
        .filter(appeal__suspension__handle_key=key, appeal__decided_at__gte=_period_start(now))
        .select_related("appeal__suspension")
        .order_by("-appeal__decided_at")
    )
    measures = list(MisuseMeasure.objects.of_account(key).select_related("decided_by", "lifted_by"))
    if not unfounded and not measures:
        return None
    handle = unfounded[0].appeal.handle if unfounded else measures[0].handle
    return Standing(key, handle, unfounded, held.filter(status=AppealStatus.DECIDED).count(), measures, now)


def misuse_shown_to_holder(key: str, now: datetime | None = None) -> MisuseMeasure | None:
    """What the account holder's pages show: a block in force before a standing warning."""
    shown = list(MisuseMeasure.objects.of_account(key).in_force(now or timezone.now()))
    return next((m for m in shown if m.is_block), shown[0] if shown else None)


def misuse_block_in_force(key: str, now: datetime | None = None) -> MisuseMeasure | None:
    return MisuseMeasure.objects.of_account(key).blocks_in_force(now or timezone.now()).first()


# --- decisions -------------------------------------------------------------------------------------------------------


@transaction.atomic
def misuse_warning_issue(*, handle_key: str, by: User, reasons: str, ip: str | None = None) -> MisuseMeasure:
    """Warn the account holder, with reasons they read: the prior warning Art. 23(2) requires before any block."""
    standing = _lock(handle_key, by)
    if standing.step != MisuseKind.WARNING:
        if standing.warning is not None or standing.block is not None:
            raise RuleViolation(_("This person already has a warning or block in force."), code="already_warned")
        raise RuleViolation(
            _("A warning needs %(count)s manifestly unfounded appeals since the last decision about this person.")
            % {"count": settings.MISUSE_WARNING_AFTER},
            code="too_few",
        )
    measure = _record(standing, by, MisuseKind.WARNING, reasons, ends_at=None)
    _audit(measure, by, ip, "misuse.warning_issued")
    _tell_person(standing, "misuse_warning", measure)
    return measure


@transaction.atomic
def misuse_block_impose(*, handle_key: str, by: User, reasons: str, days: int, ip: str | None = None) -> MisuseMeasure:
    """Block new appeals from the account for `days` days. Appeals already filed are still handled."""
    standing = _lock(handle_key, by)
    if standing.block is not None:
        raise RuleViolation(_("This person is already blocked from filing appeals."), code="already_blocked")
    if standing.warning is None:
        raise RuleViolation(_("A block needs a prior warning within the period. Warn first."), code="no_warning")
    if standing.step != MisuseKind.BLOCK:
        raise RuleViolation(
            _("A block needs %(count)s further manifestly unfounded appeals after the warning.")
            % {"count": settings.MISUSE_BLOCK_AFTER},
            code="too_few",
        )
    if not settings.MISUSE_BLOCK_MIN_DAYS <= days <= settings.MISUSE_BLOCK_MAX_DAYS:
        raise RuleViolation(
            _("A block lasts from %(min)s to %(max)s days.")
            % {"min": settings.MISUSE_BLOCK_MIN_DAYS, "max": settings.MISUSE_BLOCK_MAX_DAYS},
            code="days",
        )
    measure = _record(standing, by, MisuseKind.BLOCK, reasons, ends_at=standing.now + timedelta(days=days))
    _audit(measure, by, ip, "misuse.block_imposed", {"days": days, "ends_at": measure.ends_at})
    _tell_person(standing, "misuse_block", measure)
    return measure


@transaction.atomic
def misuse_block_lift(*, measure: MisuseMeasure, by: User, reasons: str, ip: str | None = None) -> MisuseMeasure:
    """End a block early, for example when the person shows the appeals were not what they seemed."""
    standing = _lock(measure.handle_key, by)
    measure = MisuseMeasure.objects.select_for_update().get(pk=measure.pk)
    if not _in_force(measure, standing.now):
        raise RuleViolation(_("This block is not in force."), code="not_in_force")
    measure.lift_reasons = _required(reasons, _("Say why the block is lifted."))
    measure.lifted_at, measure.lifted_by = standing.now, by
    measure.save(update_fields=["lift_reasons", "lifted_at", "lifted_by"])
    _audit(measure, by, ip, "misuse.block_lifted")
    _tell_person(standing, "misuse_block_lifted", measure)
    return measure


@transaction.atomic
def misuse_proposal_dismiss(*, handle_key: str, by: User, reasons: str, ip: str | None = None) -> MisuseMeasure:
    """The senior finds no misuse. The appeals weighed stop counting; only later ones can bring it back."""
    standing = _lock(handle_key, by)
    if standing.step is None:
        raise RuleViolation(_("There is no proposal about this person to dismiss."), code="no_proposal")
    measure = _record(standing, by, MisuseKind.DISMISSAL, reasons, ends_at=None)
    _audit(measure, by, ip, "misuse.proposal_dismissed")
    return measure


# --- rules and helpers -------------------------------------------------------------------------------------------


def _lock(key: str, by: User) -> Standing:
    """Lock the account's cases: filing locks its case too, so no appeal slips in beside a block being imposed."""
    if not (by.is_active and by.has_perm(PERMISSION)):
        raise RuleViolation(_("Only senior reviewers decide about misuse."), code="perm")
    list(Suspension.objects.filter(handle_key=key).select_for_update().values_list("pk", flat=True))
    standing = misuse_standing(key)
    if standing is None:
        raise RuleViolation(_("Nothing about this person was found manifestly unfounded."), code="no_proposal")
    return standing


def _record(standing: Standing, by: User, kind: str, reasons: str, ends_at: datetime | None) -> MisuseMeasure:
    return MisuseMeasure.objects.create(
        handle=standing.handle,
        kind=kind,
        reasons=_required(reasons, _("Write the reasons.")),
        unfounded_appeals=standing.since_last,
        decided_appeals=standing.decided,
        decided_by=by,
        decided_at=standing.now,
        ends_at=ends_at,
    )


def _audit(measure: MisuseMeasure, by: User, ip: str | None, action: str, extra: dict[str, Any] | None = None) -> None:
    data = {"handle_key": measure.handle_key, "unfounded": measure.unfounded_appeals, **(extra or {})}
    audit_record(actor=Actor.staff(by, ip), action=action, target=measure, data=data)


def _tell_person(standing: Standing, template: str, measure: MisuseMeasure) -> None:
    """Write to the address of the holder's latest appeal, in its language: the one they use with us."""
    latest = Appeal.objects.from_holder().filter(suspension__handle_key=standing.handle_key).latest("filed_at")
    notification_queue(
        template=template,
        recipient_email=latest.contact_email,
        language=latest.language,
        context={
            "handle": measure.handle,
            "reasons": measure.reasons,
            "lift_reasons": measure.lift_reasons,
            "ends_at": measure.ends_at,
            "dispute_url": settings.OUT_OF_COURT_DISPUTE_URL,
        },
        related=latest,
    )


def _period_start(now: datetime) -> datetime:
    return now - timedelta(days=settings.MISUSE_PERIOD_DAYS)


def _decided_at(decision: Decision) -> datetime:
    decided = decision.appeal.decided_at
    assert decided is not None  # counted decisions are final, so their appeal is decided
    return decided


def _in_force(measure: MisuseMeasure, now: datetime) -> bool:
    return measure.is_block and measure.lifted_at is None and measure.ends_at is not None and measure.ends_at > now


def _standing_warning(measure: MisuseMeasure, now: datetime) -> bool:
    return measure.kind == MisuseKind.WARNING and measure.decided_at >= _period_start(now)


def _required(text: str, message: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RuleViolation(message, code="required")
    return text
