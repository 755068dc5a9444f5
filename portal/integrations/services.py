"""Actions on integrations, keys and webhook endpoints, each audited. Admin and the API call these."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.integrations.keys import key_generate, webhook_secret_generate
from portal.integrations.models import ApiKey, DeliveryStatus, Integration, Scope, WebhookDelivery, WebhookEndpoint
from portal.integrations.webhooks import webhook_dispatch_after_commit
from portal.rules import RuleViolation


@transaction.atomic
def integration_save(*, actor: Actor, integration: Integration) -> Integration:
    """Create an integration, or save changes to its name and contact address."""
    created = integration.pk is None
    integration.full_clean()
    integration.save()
    action = "integration.created" if created else "integration.changed"
    audit_record(
        actor=actor,
        action=action,
        target=integration,
        data={"name": integration.name, "contact": integration.contact_email},
    )
    return integration


@dataclass(frozen=True)
class IssuedKey:
    key: ApiKey
    plaintext: str  # shown once to whoever created it, never stored


@transaction.atomic
def api_key_issue(*, actor: Actor, integration: Integration, name: str, scopes: list[str]) -> IssuedKey:
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValueError(f"Unknown scopes: {', '.join(unknown)}")
    prefix, whole, hashed = key_generate()
    key = ApiKey.objects.create(
        integration=integration,
        name=name,
        prefix=prefix,
        key_hash=hashed,
        scopes=sorted(set(scopes)),
        created_by_id=int(actor.id) if actor.kind == "staff" and actor.id else None,
    )
    audit_record(
        actor=actor,
        action="api_key.issued",
        target=key,
        data={"integration": integration.name, "prefix": prefix, "scopes": key.scopes},
    )
    return IssuedKey(key, whole)


@transaction.atomic
def api_key_revoke(*, actor: Actor, key: ApiKey) -> ApiKey:
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_key.revoked", target=key, data={"prefix": key.prefix})
    return key


@transaction.atomic
def webhook_endpoint_register(*, actor: Actor, integration: Integration, url: str) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(integration=integration, url=url, secret=webhook_secret_generate())
    endpoint.full_clean()
    if integration.webhook_endpoints.filter(url=endpoint.url, active=True).exists():
        # A second copy would receive every event twice; a deploy script re-registering its URL gets told so.
        raise ValidationError({"url": "This URL is already registered and active."}, code="duplicate")
    endpoint.save()
    audit_record(
        actor=actor, action="webhook_endpoint.registered", target=endpoint, data={"integration": integration.name}
    )
    return endpoint


@transaction.atomic
def webhook_endpoint_rotate_secret(*, actor: Actor, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.secret = webhook_secret_generate()
    endpoint.save(update_fields=["secret"])
    audit_record(actor=actor, action="webhook_endpoint.secret_rotated", target=endpoint, data={})
    return endpoint


@transaction.atomic
def webhook_endpoint_set_active(*, actor: Actor, endpoint: WebhookEndpoint, active: bool) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    if endpoint.active != active:
        endpoint.active = active
        endpoint.save(update_fields=["active"])
        action = "webhook_endpoint.enabled" if active else "webhook_endpoint.disabled"
        audit_record(actor=actor, action=action, target=endpoint, data={})
    return endpoint


@transaction.atomic
def webhook_delivery_replay(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished delivery (delivered, or failed for good) once more, now: the receiver lost it, or is back.
    The next attempt is marked as a replay; it is tried once, and its outcome shows in the delivery's attempts."""
    delivery = WebhookDelivery.objects.select_for_update(of=("self",)).select_related("endpoint").get(pk=delivery.pk)
    if delivery.status not in (DeliveryStatus.DELIVERED, DeliveryStatus.FAILED):
        raise RuleViolation("It is still being delivered.", code="in_progress")
    if not delivery.endpoint.active:
        raise RuleViolation("Its endpoint is disabled; enable the endpoint first.", code="endpoint_disabled")
    previous = delivery.status
    delivery.status, delivery.next_attempt_at, delivery.replay_pending = DeliveryStatus.QUEUED, timezone.now(), True
    delivery.save(update_fields=["status", "next_attempt_at", "replay_pending", "status_changed_at"])
    audit_record(
        actor=actor,
        action="webhook_delivery.replayed",
        target=delivery,
        data={"event_id": str(delivery.event_id), "endpoint": delivery.endpoint_id, "previous_status": previous},
    )
    webhook_dispatch_after_commit([delivery.pk])
    return delivery
