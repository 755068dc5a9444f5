"""Actions on integrations, keys and webhook endpoints, each audited. Admin and the API call these."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.integrations.keys import key_generate, webhook_secret_generate
from portal.integrations.models import ApiKey, Integration, Scope, WebhookEndpoint


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
