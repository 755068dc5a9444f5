"""The platform's side of Recourse: who may call the API (integrations and their keys) and where decisions are
announced (webhook endpoints, each event's delivery and every attempt at it)."""

import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from portal.integrations.egress import is_public


class Scope(models.TextChoices):
    SUSPENSIONS_WRITE = "suspensions:write", "Send suspensions and notices"
    APPEALS_READ = "appeals:read", "Read suspensions, appeals and decisions"
    WEBHOOKS_MANAGE = "webhooks:manage", "Register endpoints that receive decision events"


class Integration(models.Model):
    """One system that talks to Recourse, usually the platform itself (or one of its environments)."""

    name = models.CharField(max_length=100, unique=True)
    contact_email = models.EmailField(blank=True, help_text="Who to tell when its webhooks keep failing.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """A key an integration sends as `Authorization: Bearer rk_<prefix>_<secret>`. Only the SHA-256 of the whole
    key is stored; the prefix finds the row without a scan and names the key in the audit trail."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="keys")
    name = models.CharField(max_length=100, help_text="What or where it is used, e.g. 'production ingest'.")
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, help_text="What this key may do.")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.integration.name}: {self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


def webhook_url_validator(url: str) -> None:
    """Events name the accounts they concern, so they travel over TLS; plain http is for development only."""
    allowed = {"https", "http"} if settings.WEBHOOK_ALLOW_HTTP else {"https"}
    parts = urlsplit(url)
    if parts.scheme and parts.scheme.lower() not in allowed:  # no scheme at all is the URL check's to report
        raise ValidationError("Use an https:// URL.", code="https_required")
    if not settings.WEBHOOK_ALLOW_PRIVATE and _names_private_host(parts.hostname or ""):
        raise ValidationError("Use an address on the public internet.", code="private_address")


def _names_private_host(host: str) -> bool:
    """What can be told without a DNS lookup; the worker checks the resolved address again before each connection."""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    try:
        return not is_public(host)
    except ValueError:  # a name, not an address
        return False


class WebhookEndpoint(models.Model):
    """A URL of the integration's that receives signed decision events. The secret signs them; the receiver holds
    the same secret, so it is kept as it is (unlike API keys, which only need checking)."""

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="webhook_endpoints")
    url = models.URLField(max_length=500, validators=[webhook_url_validator])
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["integration__name", "url"]

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """One event for one endpoint: written in the transaction of the change it announces, sent by the worker after
    commit, retried with growing pauses until the receiver answers 2xx or the attempts run out."""

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False, help_text="The same on every attempt.")
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    status_changed_at = models.DateTimeField(auto_now=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    replay_pending = models.BooleanField(default=False, help_text="Staff asked for it again; the next attempt says so.")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        permissions = [("replay_webhookdelivery", "Can send a webhook delivery again")]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due_idx")]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_one_per_endpoint"),
            models.CheckConstraint(
                condition=~Q(status="delivered") | Q(delivered_at__isnull=False), name="webhook_delivered_has_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint.url}"


class WebhookAttempt(models.Model):
    """One POST of a delivery, whatever came of it."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField(auto_now_add=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Empty when no answer came.")
    error = models.TextField(blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    replay = models.BooleanField(default=False, help_text="Asked for again by staff.")

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.attempted_at:%Y-%m-%d %H:%M:%S}: {self.status_code or self.error[:40]}"
