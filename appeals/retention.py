"""Retention: once an appeal has been closed (decided or withdrawn) for RETENTION_DAYS, its personal data goes.

What stays is what the transparency report and the decision's documentation need: the appeal's reference, status,
reason, dates and decision (outcome, written reasons, who decided), the suspension's statement of reasons, and the
audit trail without its personal parts (which still verifies: each event keeps a commitment, see portal.audit)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import AppellantToken
from appeals.models import Appeal, Evidence, Message, Notice, Suspension
from portal.audit.actors import Actor
from portal.audit.models import AuditPersonalData
from portal.audit.services import AuditEntry, audit_record_many
from portal.notifications.models import Notification

# An email notification must name an address; a purged one names this (a reserved, undeliverable domain).
PURGED_ADDRESS = "purged@purged.invalid"
RETENTION_ACTOR = Actor.system("retention")
BATCH_SIZE = 200


@dataclass(frozen=True)
class PurgeResult:
    appeals: int = 0
    suspensions: int = 0
    evidence_files: int = 0

    def __add__(self, other: "PurgeResult") -> "PurgeResult":
        return PurgeResult(
            self.appeals + other.appeals,
            self.suspensions + other.suspensions,
            self.evidence_files + other.evidence_files,
        )


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.RETENTION_DAYS)


def appeals_to_purge(cutoff: datetime) -> Any:
    return Appeal.objects.closed_before(cutoff).filter(purged_at__isnull=True)


def retention_purge(*, cutoff: datetime, batch_size: int = BATCH_SIZE) -> PurgeResult:
    """Purge every appeal closed before `cutoff`, `batch_size` at a time, each batch in its own transaction: memory
    and queries per batch stay bounded however many there are, and an interrupted run resumes where it stopped."""
    _sign_ins_erase(cutoff)
    total = PurgeResult()
    while ids := list(appeals_to_purge(cutoff).order_by("id").values_list("id", flat=True)[:batch_size]):
        total += appeals_purge(appeal_ids=ids, cutoff=cutoff)
    return total


@transaction.atomic
def appeals_purge(*, appeal_ids: Sequence[int], cutoff: datetime) -> PurgeResult:
    """Delete the personal data of these appeals (those still due once locked), of their suspensions when no other
    appeal still needs them, and the personal parts of their audit events; one `appeal.purged` event each."""
    appeals = list(appeals_to_purge(cutoff).select_for_update().filter(id__in=appeal_ids).order_by("id"))
    if not appeals:
        return PurgeResult()
    ids = [appeal.pk for appeal in appeals]
    suspension_ids = _suspensions_done_with(ids)
    files = _evidence_delete(ids)
    per_appeal_files = {appeal.pk: files.get(appeal.pk, 0) for appeal in appeals}
    Message.objects.filter(appeal_id__in=ids).update(body="")
    Appeal.objects.filter(id__in=ids).update(
        statement="", contact_email="", handle="", handle_key="", purged_at=timezone.now()
    )
    _suspensions_purge(suspension_ids)
    _notifications_purge(Appeal, ids)
    _trail_erase(ids, suspension_ids)
    audit_record_many(
        actor=RETENTION_ACTOR,
        entries=[
            AuditEntry(
                "appeal.purged",
                appeal,
                {
                    "evidence_files": per_appeal_files[appeal.pk],
                    "suspension_purged": appeal.suspension_id in suspension_ids,
                },
            )
            for appeal in appeals
        ],
    )
    return PurgeResult(len(appeals), len(suspension_ids), sum(files.values()))


def _suspensions_done_with(appeal_ids: list[int]) -> set[int]:
    """The suspensions of these appeals that no other appeal still needs: every other appeal on them is purged."""
    others = Appeal.objects.filter(suspension=OuterRef("pk"), purged_at__isnull=True).exclude(id__in=appeal_ids)
    return set(
        Suspension.objects.filter(appeals__id__in=appeal_ids)
        .exclude(Exists(others))
        .values_list("id", flat=True)
        .distinct()
    )


def _evidence_delete(appeal_ids: list[int]) -> dict[int, int]:
    """Delete the files first, then their rows: if the transaction rolls back, the next run finds the rows again and
    deleting a file that is already gone does nothing."""
    files: dict[int, int] = {}
    for evidence in Evidence.objects.filter(appeal_id__in=appeal_ids).only("id", "appeal_id", "file"):
        evidence.file.storage.delete(str(evidence.file.name))
        files[evidence.appeal_id] = files.get(evidence.appeal_id, 0) + 1
    Evidence.objects.filter(appeal_id__in=appeal_ids).delete()
    return files


def _suspensions_purge(suspension_ids: set[int]) -> None:
    if not suspension_ids:
        return
    Suspension.objects.filter(id__in=suspension_ids).update(
        handle="", handle_key="", account_email="", content_description=""
    )
    Notice.objects.filter(suspension_id__in=suspension_ids).update(address="", detail="")
    AppellantToken.objects.filter(suspension_id__in=suspension_ids).delete()
    _notifications_purge(Suspension, list(suspension_ids))


def _notifications_purge(model: type[Appeal] | type[Suspension], ids: list[int]) -> None:
    about = Notification.objects.filter(related_type=ContentType.objects.get_for_model(model), related_id__in=ids)
    about.exclude(recipient_email="").update(recipient_email=PURGED_ADDRESS)
    about.update(context={}, last_error="")


@transaction.atomic
def _sign_ins_erase(cutoff: datetime) -> None:
    """Sign-in links and the personal parts of sign-in events older than the period go whatever case they were
    about (some matched none): once per run, not per batch, as it reads the whole trail."""
    AuditPersonalData.objects.filter(event__action__startswith="access.", event__created_at__lt=cutoff).delete()
    AppellantToken.objects.filter(created_at__lt=cutoff).delete()


def _trail_erase(appeal_ids: list[int], suspension_ids: set[int]) -> None:
    """Delete the personal parts of the events about these appeals, their suspensions and notifications."""
    about = Q(event__target_type="appeals.appeal", event__target_id__in=[str(pk) for pk in appeal_ids]) | Q(
        event__target_type="appeals.suspension", event__target_id__in=[str(pk) for pk in suspension_ids]
    )
    notifications = Notification.objects.filter(
        Q(related_type=ContentType.objects.get_for_model(Appeal), related_id__in=appeal_ids)
        | Q(related_type=ContentType.objects.get_for_model(Suspension), related_id__in=suspension_ids)
    ).values_list("id", flat=True)
    about |= Q(event__target_type="notifications.notification", event__target_id__in=[str(pk) for pk in notifications])
    AuditPersonalData.objects.filter(about).delete()
