from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.notifications.models import Channel, Notification, NotificationStatus
from portal.notifications.tasks import deliver_notification
from portal.privacy import mask_email
from portal.rules import RuleViolation


def notification_queue(
    *,
    template: str,
    recipient_email: str = "",
    recipient_user: Any = None,
    language: str = "en",
    context: dict[str, Any] | None = None,
    related: models.Model | None = None,
    channel: Channel = Channel.EMAIL,
) -> Notification:
    """Put a message in the outbox. Call inside the transaction of the change it reports: the worker is asked to
    send it only once that transaction commits, so a change that rolls back tells nobody anything."""
    notification = Notification.objects.create(
        channel=channel,
        template=template,
        recipient_email=recipient_email,
        recipient_user=recipient_user,
        language=language,
        context=context or {},
        related_type=ContentType.objects.get_for_model(related) if related is not None else None,
        related_id=related.pk if related is not None else None,
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: deliver_notification.enqueue(notification.pk))
    return notification


@transaction.atomic
def notification_retry(*, notification: Notification, actor: Actor) -> Notification:
    """Try a failed or bounced message again as the same message (same Message-ID), from a fresh count."""
    notification = Notification.objects.select_for_update().get(pk=notification.pk)
    if notification.status not in (NotificationStatus.FAILED, NotificationStatus.BOUNCED):
        raise RuleViolation(_("Only a failed or bounced message can be tried again."), code="status")
    notification.status = NotificationStatus.QUEUED
    notification.attempts = 0
    notification.last_error = ""
    notification.next_attempt_at = timezone.now()
    notification.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "status_changed_at"])
    audit_record(actor=actor, action="notification.retried", target=notification)
    transaction.on_commit(lambda: deliver_notification.enqueue(notification.pk))
    return notification


@transaction.atomic
def notification_resend(*, notification: Notification, actor: Actor, to: str = "") -> Notification:
    """Send a copy as a new message: to the same recipient, or to another address the caller has checked is
    theirs (for an appellant, the verified contact address of their appeal)."""
    copy = Notification.objects.create(
        channel=notification.channel,
        template=notification.template,
        recipient_email=to or notification.recipient_email,
        recipient_user=notification.recipient_user,
        language=notification.language,
        context=notification.context,
        related_type=notification.related_type,
        related_id=notification.related_id,
        next_attempt_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="notification.resent",
        target=notification,
        data={"copy": copy.pk, "to": mask_email(copy.recipient_email), "other_address": bool(to)},
    )
    transaction.on_commit(lambda: deliver_notification.enqueue(copy.pk))
    return copy
