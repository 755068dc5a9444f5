from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone

from portal.notifications.models import Channel, Notification
from portal.notifications.tasks import deliver_notification


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
