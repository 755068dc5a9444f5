"""Sending one outbox message. The worker calls this; retries and bounce tracking build on it."""

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from portal.notifications.models import Channel, Notification, NotificationStatus
from portal.notifications.rendering import render_notification


def notification_deliver(notification_id: int) -> str:
    """Send a queued message once. Claiming it (queued → sending) in its own transaction, skipping rows another
    worker holds, means two workers never both send it. Returns the status it ended in, or "skipped"."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=NotificationStatus.QUEUED)
            .first()
        )
        if notification is None:
            return "skipped"
        notification.status = NotificationStatus.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts", "status_changed_at"])
    if notification.channel == Channel.PORTAL:
        return _finish(notification, NotificationStatus.DELIVERED)
    try:
        _send_email(notification)
    except Exception as error:  # any failure of one message is recorded on it; the others still go
        return _finish(notification, NotificationStatus.FAILED, error=f"{type(error).__name__}: {error}")
    return _finish(notification, NotificationStatus.SENT)


def _send_email(notification: Notification) -> None:
    rendered = render_notification(notification)
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[notification.recipient_email],
        headers={"Message-ID": notification.message_id},
    )
    email.attach_alternative(rendered.html, "text/html")
    email.send()


def _finish(notification: Notification, status: str, error: str = "") -> str:
    notification.status = status
    notification.last_error = error[:2000]
    notification.next_attempt_at = None
    if status != NotificationStatus.FAILED:
        notification.sent_at = timezone.now()
    notification.save(update_fields=["status", "last_error", "next_attempt_at", "sent_at", "status_changed_at"])
    return status
