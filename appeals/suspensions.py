"""Services for what the platform tells us: suspensions and the notices it sent about them."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from appeals.models import Notice, NoticeStatus, Suspension
from portal.audit.actors import Actor
from portal.audit.services import audit_record

# Fields the platform may correct on a resend; identity (puid) and history (received_at) never change.
UPDATABLE_FIELDS = [
    field.name
    for field in Suspension._meta.concrete_fields
    if field.name not in {"id", "puid", "handle_key", "informed_at", "first_opened_at", "reinstated_at"}
    and not getattr(field, "auto_now", False)
    and not getattr(field, "auto_now_add", False)
]


@dataclass(frozen=True)
class IngestResult:
    suspension: Suspension
    outcome: str  # created | updated | unchanged


@transaction.atomic
def suspension_ingest(*, actor: Actor, puid: str, fields: dict[str, Any]) -> IngestResult:
    """Create or update one suspension by the platform's id. Raises ValidationError with field errors."""
    existing = Suspension.objects.select_for_update().filter(puid=puid).first()
    suspension = existing or Suspension(puid=puid)
    for name, value in fields.items():
        if name not in UPDATABLE_FIELDS:
            raise ValueError(f"{name} cannot be set on a suspension")
        setattr(suspension, name, value)
    suspension.full_clean(validate_unique=existing is None)
    if existing is None:
        suspension.save()
        audit_record(actor=actor, action="suspension.received", target=suspension, data={"puid": puid})
        return IngestResult(suspension, "created")
    before = Suspension.objects.get(pk=existing.pk)
    changed = sorted(name for name in fields if getattr(before, name) != getattr(suspension, name))
    if not changed:
        return IngestResult(suspension, "unchanged")
    suspension.save()
    audit_record(actor=actor, action="suspension.updated", target=suspension, data={"fields": changed})
    return IngestResult(suspension, "updated")


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
