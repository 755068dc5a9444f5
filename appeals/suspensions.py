"""Services for what the platform tells us: suspensions and the notices it sent about them."""

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appeals.choices import DecisionGround
from appeals.models import Notice, NoticeStatus, Suspension, Wave, handle_key
from portal.audit.actors import Actor
from portal.audit.services import AuditEntry, audit_record, audit_record_many
from portal.bulk_insert import bulk_insert

# Fields the platform may correct on a resend; identity (puid) and history (received_at) never change.
UPDATABLE_FIELDS = [
    field.name
    for field in Suspension._meta.concrete_fields
    if field.name not in {"id", "puid", "handle_key", "informed_at", "first_opened_at", "reinstated_at"}
    and not getattr(field, "auto_now", False)
    and not getattr(field, "auto_now_add", False)
]
# Callers hand these over as objects they already hold; checking that each exists would cost a query per statement.
_RELATED_FIELDS = ["wave", "original_decider"]


class IngestOutcome(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    UNCHANGED = "unchanged", _("Unchanged")
    REJECTED = "rejected", _("Rejected")


@dataclass(frozen=True)
class IngestResult:
    suspension: Suspension
    outcome: str  # created | updated | unchanged


@dataclass(frozen=True)
class Statement:
    """One statement of reasons for a batch: the platform's id and the model's field values, except that `wave` is
    the wave's key (a key not seen before makes the wave)."""

    puid: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class BatchResult:
    puid: str | None
    outcome: IngestOutcome
    suspension: Suspension | None = None
    errors: dict[str, Any] = field(default_factory=dict)


@transaction.atomic
def suspension_ingest(*, actor: Actor, puid: str, fields: dict[str, Any]) -> IngestResult:
    """Create or update one suspension by the platform's id. Raises ValidationError with field errors."""
    existing = Suspension.objects.select_for_update().filter(puid=puid).first()
    suspension, changed = _prepare(puid, fields, existing)
    return IngestResult(suspension, _write(actor, suspension, changed))


def suspensions_ingest_batch(*, actor: Actor, statements: Sequence[Statement]) -> list[BatchResult]:
    """Create or update many suspensions, one result per statement in order. A statement that breaks a rule is
    rejected with its field errors and the rest still go in. A puid that appears twice is taken in order, as two
    requests would be: the second is unchanged or updated.

    Every statement is checked in Python first; then the batch's new rows go in with one insert, its changed rows
    with one update, and their audit events (one per suspension, in statement order) with one append, so a batch
    costs the same few queries whatever its size. Should the database refuse that (another request created one of
    these puids meanwhile, or a constraint), the batch is taken again one statement at a time, each in its own
    savepoint, so one refusal never loses the others."""
    with transaction.atomic():
        waves = _waves(actor, {s.fields["wave"] for s in statements if s.fields.get("wave")})
        known = {
            suspension.puid: suspension
            for suspension in Suspension.objects.select_for_update()
            .filter(puid__in={s.puid for s in statements})
            .order_by()
        }
        plan = _BatchPlan(known)
        for statement in statements:
            plan.take(statement.puid, _with_wave(statement.fields, waves))
        try:
            with transaction.atomic():
                return plan.write(actor)
        except IntegrityError:
            return _ingest_each(actor, statements, waves, known)


@dataclass(frozen=True)
class _Step:
    puid: str
    outcome: IngestOutcome
    details: dict[str, Any]  # the audit event's data, or a rejected statement's field errors


class _BatchPlan:
    """What a batch would do, worked out before anything is written: each puid's suspension as the batch leaves
    it, which rows are new and which stored fields change, and each statement's outcome."""

    def __init__(self, known: dict[str, Suspension]) -> None:
        self.latest = dict(known)  # the stored rows stay as they are, for the one-at-a-time path to start from
        self.new: dict[str, Suspension] = {}
        self.changed: dict[str, set[str]] = {}
        self.steps: list[_Step] = []

    def take(self, puid: str, fields: dict[str, Any]) -> None:
        try:
            suspension, changed = _prepare(puid, fields, self.latest.get(puid))
        except ValidationError as error:
            self.steps.append(_Step(puid, IngestOutcome.REJECTED, error.message_dict))
            return
        if changed == []:
            self.steps.append(_Step(puid, IngestOutcome.UNCHANGED, {}))
            return
        self.latest[puid] = suspension
        if changed is None:
            self.new[puid] = suspension
            self.steps.append(_Step(puid, IngestOutcome.CREATED, {"puid": puid}))
            return
        if puid in self.new:  # made earlier in this batch: insert it as it ends up
            self.new[puid] = suspension
        else:
            self.changed.setdefault(puid, set()).update(changed)
        self.steps.append(_Step(puid, IngestOutcome.UPDATED, {"fields": changed}))

    def write(self, actor: Actor) -> list[BatchResult]:
        bulk_insert(list(self.new.values()))
        self._update_changed()
        audit_record_many(actor=actor, entries=[self._event(step) for step in self.steps if step.outcome in _WRITTEN])
        return [self._result(step) for step in self.steps]

    def _update_changed(self) -> None:
        if not self.changed:
            return
        rows = [self.latest[puid] for puid in self.changed]
        now = timezone.now()  # bulk_update leaves auto_now alone
        for suspension in rows:
            suspension.updated_at = now
        names = sorted(set().union(*self.changed.values()))
        Suspension.objects.bulk_update(rows, [*names, "handle_key", "updated_at"])

    def _event(self, step: _Step) -> AuditEntry:
        action = "suspension.received" if step.outcome == IngestOutcome.CREATED else "suspension.updated"
        return AuditEntry(action, self.latest[step.puid], step.details)

    def _result(self, step: _Step) -> BatchResult:
        if step.outcome == IngestOutcome.REJECTED:
            return BatchResult(step.puid, step.outcome, errors=step.details)
        return BatchResult(step.puid, step.outcome, self.latest[step.puid])


_WRITTEN = {IngestOutcome.CREATED, IngestOutcome.UPDATED}


def _ingest_each(
    actor: Actor, statements: Sequence[Statement], waves: dict[str, Wave], known: dict[str, Suspension]
) -> list[BatchResult]:
    results = []
    for statement in statements:
        result = _ingest_one(actor, statement.puid, _with_wave(statement.fields, waves), known)
        if result.suspension is not None:
            known[statement.puid] = result.suspension
        results.append(result)
    return results


def _waves(actor: Actor, keys: Iterable[str]) -> dict[str, Wave]:
    """The batch's waves by key, in one query; a new key makes its wave (named after the key until staff rename it)."""
    wanted = set(keys)
    waves = {wave.key: wave for wave in Wave.objects.filter(key__in=wanted)} if wanted else {}
    for key in sorted(wanted - waves.keys()):
        waves[key], created = Wave.objects.get_or_create(key=key, defaults={"name": key})
        if created:
            audit_record(actor=actor, action="wave.created", target=waves[key], data={"key": key})
    return waves


def _with_wave(fields: dict[str, Any], waves: dict[str, Wave]) -> dict[str, Any]:
    if "wave" not in fields:
        return fields
    return {**fields, "wave": waves.get(fields["wave"] or "")}


def _ingest_one(actor: Actor, puid: str, fields: dict[str, Any], known: dict[str, Suspension]) -> BatchResult:
    try:
        suspension, changed = _prepare(puid, fields, known.get(puid))
        if changed == []:
            return BatchResult(puid, IngestOutcome.UNCHANGED, known[puid])
        with transaction.atomic():
            outcome = _write(actor, suspension, changed)
    except ValidationError as error:
        return BatchResult(puid, IngestOutcome.REJECTED, errors=error.message_dict)
    except IntegrityError:
        if puid not in known and (stored := _stored_meanwhile(puid)):
            known[puid] = stored
            return _ingest_one(actor, puid, fields, known)
        message = "The database refused this statement; check it and send it again."
        return BatchResult(puid, IngestOutcome.REJECTED, errors={"non_field_errors": [message]})
    return BatchResult(puid, outcome, suspension)


def _stored_meanwhile(puid: str) -> Suspension | None:
    """Another request created this puid after we looked: PostgreSQL held our insert until that request committed,
    so its row is there now, and our statement is a resend of it."""
    return Suspension.objects.select_for_update().filter(puid=puid).first()


def _prepare(puid: str, fields: dict[str, Any], existing: Suspension | None) -> tuple[Suspension, list[str] | None]:
    """The suspension as the statement would make it, checked, and which fields it changes (None: it is new).
    The stored one is left as it is, so a statement rejected later in a batch never leaves a half-changed object."""
    for name in fields:
        if name not in UPDATABLE_FIELDS:
            raise ValueError(f"{name} cannot be set on a suspension")
    suspension = copy.copy(existing) if existing else Suspension(puid=puid)
    for name, value in fields.items():
        setattr(suspension, name, value)
    suspension.handle_key = handle_key(suspension.handle)  # save() would; a bulk insert or update does not
    _validate(suspension)
    if existing is None:
        return suspension, None
    attnames = {name: Suspension._meta.get_field(name).attname for name in fields}  # type: ignore[union-attr]
    return suspension, sorted(
        name for name, att in attnames.items() if getattr(existing, att) != getattr(suspension, att)
    )


def _validate(suspension: Suspension) -> None:
    errors: dict[str, list[str]] = {}
    try:
        suspension.full_clean(exclude=_RELATED_FIELDS, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        errors = error.message_dict
    for name, message in _rule_errors(suspension):
        if name not in errors:
            errors[name] = [message]
    if errors:
        raise ValidationError(errors)


def _rule_errors(suspension: Suspension) -> list[tuple[str, str]]:
    """The model's check constraints, told against the field to correct. Django would check them with a query each
    and name only the constraint; the database still enforces them."""
    broken = []
    ground = suspension.decision_ground
    if ground == DecisionGround.ILLEGAL_CONTENT and not suspension.illegal_content_legal_ground:
        broken.append(("illegal_content_legal_ground", "Required when decision_ground is illegal content."))
    if ground == DecisionGround.INCOMPATIBLE_CONTENT and not suspension.incompatible_content_ground:
        broken.append(("incompatible_content_ground", "Required when decision_ground is incompatible content."))
    start, end = suspension.application_date, suspension.end_date_account_restriction
    if isinstance(start, datetime) and isinstance(end, datetime) and end <= start:
        broken.append(("end_date_account_restriction", "Must be after application_date."))
    return broken


def _write(actor: Actor, suspension: Suspension, changed: list[str] | None) -> IngestOutcome:
    if changed is None:
        suspension.save()
        audit_record(actor=actor, action="suspension.received", target=suspension, data={"puid": suspension.puid})
        return IngestOutcome.CREATED
    if not changed:
        return IngestOutcome.UNCHANGED
    suspension.save(update_fields=[*changed, "handle_key", "updated_at"])
    audit_record(actor=actor, action="suspension.updated", target=suspension, data={"fields": changed})
    return IngestOutcome.UPDATED


@transaction.atomic
def notice_record(
    *,
    actor: Actor,
    suspension: Suspension,
    channel: str,
    address: str,
    status: NoticeStatus,
    sent_at: datetime,
    status_at: datetime | None = None,
    detail: str = "",
    sent_by_recourse: bool = False,
) -> Notice:
    """Record one attempt to tell the person; whether any attempt reached them moves their appeal window."""
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    notice = Notice.objects.create(
        suspension=suspension,
        channel=channel,
        address=address,
        status=status,
        sent_at=sent_at,
        status_at=status_at or sent_at,
        detail=detail,
        sent_by_recourse=sent_by_recourse,
    )
    _refresh_informed(suspension)
    audit_record(
        actor=actor,
        action="notice.recorded",
        target=suspension,
        data={"notice": notice.pk, "channel": channel, "status": status, "informed": not suspension.never_informed},
    )
    return notice


@transaction.atomic
def notice_update_status(
    *, actor: Actor, notice: Notice, status: NoticeStatus, status_at: datetime | None = None, detail: str = ""
) -> Notice:
    """A later report on one notice: it was delivered, or it bounced. Whether any notice reached the person moves
    their appeal window, so that is worked out again; a bounce of the only delivered notice makes them never
    informed."""
    suspension = Suspension.objects.select_for_update().get(pk=notice.suspension_id)
    notice = Notice.objects.get(pk=notice.pk)  # as it is now, under the suspension's lock
    previous = notice.status
    notice.status = status
    notice.status_at = status_at or timezone.now()
    notice.detail = detail[:500] or notice.detail
    notice.save(update_fields=["status", "status_at", "detail"])
    _refresh_informed(suspension)
    audit_record(
        actor=actor,
        action="notice.status_changed",
        target=suspension,
        data={"notice": notice.pk, "from": previous, "to": status, "informed": not suspension.never_informed},
    )
    return notice


def _refresh_informed(suspension: Suspension) -> None:
    first_delivery = suspension.notices.filter(status=NoticeStatus.DELIVERED).aggregate(first=Min("status_at"))
    if suspension.informed_at != first_delivery["first"]:
        suspension.informed_at = first_delivery["first"]
        suspension.save(update_fields=["informed_at", "updated_at"])


@transaction.atomic
def suspension_open_case(*, suspension: Suspension, actor: Actor) -> Suspension:
    """The person opened their case. If no notice ever reached them, their appeal window starts now."""
    suspension = Suspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.first_opened_at is None:
        suspension.first_opened_at = timezone.now()
        suspension.save(update_fields=["first_opened_at", "updated_at"])
        audit_record(
            actor=actor,
            action="case.opened",
            target=suspension,
            data={"window_starts": "now" if suspension.never_informed else "notice"},
        )
    return suspension
