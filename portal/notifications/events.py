"""What the mail provider reports after sending: delivered, bounced. django-anymail checks each report's
authenticity and turns every provider's format into one tracking event; this records it on the outbox row."""

from typing import Any

from anymail.signals import AnymailTrackingEvent, EventType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.notifications.delivery import announce_status
from portal.notifications.models import Notification, NotificationStatus

S = NotificationStatus
EVENT_STATUSES = {
    EventType.DELIVERED: S.DELIVERED,
    EventType.BOUNCED: S.BOUNCED,
    EventType.REJECTED: S.BOUNCED,  # the provider would not send to this address (e.g. it bounced before)
    EventType.FAILED: S.FAILED,  # the provider could not send it at all
}
# Which status a report may move a message from. A bounce is final; "delivered" can still be followed by a late
# bounce, and wins over our own guess that an unclear attempt failed (a queued retry then finds nothing to do).
MAY_MOVE_FROM = {
    S.DELIVERED: {S.QUEUED, S.SENDING, S.SENT, S.FAILED},
    S.BOUNCED: {S.QUEUED, S.SENDING, S.SENT, S.DELIVERED, S.FAILED},
    S.FAILED: {S.QUEUED, S.SENDING, S.SENT},
}


def notification_record_event(*, message_id: str, status: NotificationStatus, detail: str = "") -> Notification | None:
    """Move the message the provider names to `status`. Returns it, or None when no message has that id."""
    forms = _id_forms(message_id)
    if not forms:
        return None
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(Q(provider_message_id__in=forms) | Q(message_id__in=forms))
            .order_by("pk")
            .first()
        )
        if notification is None or notification.status not in MAY_MOVE_FROM[status]:
            return notification
        notification.status = status
        notification.next_attempt_at = None
        notification.sent_at = notification.sent_at or timezone.now()
        if status != S.DELIVERED:
            notification.last_error = detail[:2000]
        notification.save(update_fields=["status", "next_attempt_at", "sent_at", "last_error", "status_changed_at"])
        announce_status(notification)
    return notification


def tracking_event_received(sender: Any, event: AnymailTrackingEvent, esp_name: str, **kwargs: Any) -> None:
    """Receiver for anymail's `tracking` signal (connected in apps.py). Opens, clicks and the like change nothing."""
    status = EVENT_STATUSES.get(event.event_type)
    if status is None or not event.message_id:
        return
    detail = event.description or event.mta_response or event.reject_reason or ""
    notification_record_event(message_id=str(event.message_id), status=status, detail=f"{esp_name}: {detail}")


def _id_forms(message_id: str) -> list[str]:
    """Providers write a Message-ID with or without its angle brackets."""
    bare = message_id.strip().removeprefix("<").removesuffix(">").strip()
    return [bare, f"<{bare}>"] if bare else []
