import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PORTAL = "portal", "In-portal"


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    BOUNCED = "bounced", "Bounced"
    FAILED = "failed", "Failed"


def new_message_id() -> str:
    return f"<{uuid.uuid4()}@recourse>"


class Notification(models.Model):
    """One message in the outbox. Written in the same transaction as the change it tells someone about."""

    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    template = models.CharField(max_length=64, help_text="Name under templates/notifications/.")
    language = models.CharField(max_length=8, default="en")
    recipient_email = models.EmailField(blank=True)
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    context = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    # What the message is about (an appeal, a suspension), so a case can list everything sent about it.
    related_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    related_id = models.PositiveBigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # A stable Message-ID lets a retry after an unclear failure be recognised as the same message.
    message_id = models.CharField(max_length=255, unique=True, default=new_message_id)
    provider_message_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due_idx"),
            models.Index(fields=["related_type", "related_id", "created_at"], name="notification_related_idx"),
            # Provider reports (delivered, bounced) name the message by the provider's id.
            models.Index(fields=["provider_message_id"], name="notification_provider_id_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(channel=Channel.EMAIL, recipient_email=""),
                name="notification_email_has_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.template} to {self.recipient_email or self.recipient_user} ({self.status})"
