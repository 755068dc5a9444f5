"""Integrations in the admin site: keys and webhook secrets shown once on the page that answers the form, revoking
and disabling through the services, every delivery attempt on view, and replaying a delivery."""

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from accounts.roles import Role
from portal.audit.models import AuditEvent
from portal.integrations.keys import key_hash
from portal.integrations.models import (
    ApiKey,
    DeliveryStatus,
    Integration,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from portal.integrations.webhooks import webhook_event_queue
from tests.conftest import staff_client
from tests.factories import make_staff
from tests.integrations.conftest import Receiver, run_due_webhook_tasks, waiting_webhook_tasks

pytestmark = pytest.mark.django_db

LISTS = ["integration", "apikey", "webhookendpoint", "webhookdelivery"]


def url(name: str, *args: Any) -> str:
    return reverse(f"admin:integrations_{name}", args=args)


def shown(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def actions_by(user: User, action: str) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action=action, actor_kind="staff")
    return [event for event in events if event.actor_id == str(user.pk)]


def issue_key(client: Client, platform: Integration, *scopes: str) -> tuple[Any, str]:
    response = client.post(url("apikey_add"), {"integration": platform.pk, "name": "production", "scopes": scopes})
    secret = response.context.get("secret", "") if response.context else ""
    return response, secret


def test_issuing_a_key_shows_it_once_and_stores_only_its_hash(ada: User, platform: Integration) -> None:
    client = staff_client(ada)
    form = client.get(url("apikey_add"), {"integration": platform.pk})
    assert form.status_code == 200 and b"Read suspensions, appeals and decisions" in form.content

    response, plaintext = issue_key(client, platform, "appeals:read", "webhooks:manage")

    assert response.status_code == 200 and plaintext.startswith("rk_")
    assert plaintext.encode() in response.content and response["Cache-Control"].startswith("max-age=0")
    key = ApiKey.objects.get()
    assert (key.integration, key.name, key.scopes, key.created_by) == (
        platform,
        "production",
        ["appeals:read", "webhooks:manage"],
        ada,
    )
    assert key.key_hash == key_hash(plaintext) and plaintext not in (key.prefix, key.key_hash)
    assert [event.target_id for event in actions_by(ada, "api_key.issued")] == [str(key.pk)]
    assert plaintext not in str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert all(plaintext not in str(session.get_decoded()) for session in Session.objects.all())
    assert shown(response) == [], "never through the messages framework, which keeps it in the session"
    assert plaintext.encode() not in client.get(url("apikey_change", key.pk)).content
    assert plaintext.encode() not in client.get(url("apikey_changelist")).content


def test_a_key_needs_a_name_and_at_least_one_known_scope(ada: User, platform: Integration) -> None:
    response, _plaintext = issue_key(staff_client(ada), platform, "appeals:delete")
    assert response.status_code == 200 and not ApiKey.objects.exists()
    assert "scopes" in response.context["adminform"].form.errors


def test_revoking_a_key_in_admin_makes_the_api_refuse_it(ada: User, platform: Integration) -> None:
    client = staff_client(ada)
    _response, plaintext = issue_key(client, platform, "webhooks:manage")
    key = ApiKey.objects.get()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert api.get("/api/v1/webhooks/").status_code == 200

    assert b"Revoke" in client.get(url("apikey_change", key.pk)).content
    confirm = client.get(url("apikey_revoke", key.pk))
    assert confirm.status_code == 200 and b"Calls with it are refused at once" in confirm.content
    response = client.post(url("apikey_revoke", key.pk))

    assert response.status_code == 302 and response["Location"] == url("apikey_change", key.pk)
    refused = api.get("/api/v1/webhooks/")
    assert refused.status_code == 401 and refused.json()["code"] == "revoked_key"
    assert [event.target_id for event in actions_by(ada, "api_key.revoked")] == [str(key.pk)]
    assert b">Revoke<" not in client.get(url("apikey_change", key.pk)).content


def test_only_staff_who_may_change_keys_may_revoke_one(ada: User, platform: Integration) -> None:
    issue_key(staff_client(ada), platform, "appeals:read")
    key = ApiKey.objects.get()
    viewer = make_staff("vic", Role.ADMINISTRATOR)
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_apikey"))
    client = staff_client(viewer)
    assert client.get(url("apikey_change", key.pk)).status_code == 200
    assert b">Revoke<" not in client.get(url("apikey_change", key.pk)).content
    assert client.post(url("apikey_revoke", key.pk)).status_code == 403
    assert staff_client(ada).post(url("apikey_revoke", 999999)).status_code == 404
    assert ApiKey.objects.get().is_active


def test_revoking_several_keys_from_the_list(ada: User, platform: Integration) -> None:
    client = staff_client(ada)
    for _ in range(2):
        issue_key(client, platform, "appeals:read")
    keys = list(ApiKey.objects.all())
    data = {"action": "revoke_selected", "index": "0", "_selected_action": [str(key.pk) for key in keys]}
    response = client.post(url("apikey_changelist"), data)
    assert response.status_code == 302 and shown(response) == ["Revoked 2 API key(s)."]
    assert not ApiKey.objects.active().exists() and len(actions_by(ada, "api_key.revoked")) == 2


def test_keys_and_endpoints_are_never_edited_or_deleted_in_admin(ada: User, platform: Integration) -> None:
    client = staff_client(ada)
    issue_key(client, platform, "appeals:read")
    key = ApiKey.objects.get()
    page = client.get(url("apikey_change", key.pk))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert client.post(url("apikey_change", key.pk), {"name": "renamed"}).status_code == 403
    assert client.get(url("apikey_delete", key.pk)).status_code == 403
    assert ApiKey.objects.get().name == "production"


def test_registering_an_endpoint_shows_its_secret_once_and_rotating_shows_the_new_one(
    ada: User, platform: Integration, receiver: Receiver
) -> None:
    client = staff_client(ada)
    response = client.post(url("webhookendpoint_add"), {"integration": platform.pk, "url": receiver.url})
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 200 and endpoint.secret.encode() in response.content
    assert endpoint.secret.encode() not in client.get(url("webhookendpoint_change", endpoint.pk)).content

    old_secret = endpoint.secret
    rotated = client.post(url("webhookendpoint_rotate_secret", endpoint.pk))
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.secret.encode() in rotated.content
    assert old_secret.encode() not in rotated.content
    assert (
        len(actions_by(ada, "webhook_endpoint.registered"))
        == len(actions_by(ada, "webhook_endpoint.secret_rotated"))
        == 1
    )


def test_an_http_endpoint_is_refused_when_only_https_is_allowed(ada: User, platform: Integration, settings) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    response = staff_client(ada).post(
        url("webhookendpoint_add"), {"integration": platform.pk, "url": "http://platform.example/hook"}
    )
    assert response.status_code == 200 and not WebhookEndpoint.objects.exists()
    assert response.context["adminform"].form.errors == {"url": ["Use an https:// URL."]}


def test_disabling_and_enabling_an_endpoint(ada: User, endpoint: WebhookEndpoint) -> None:
    client = staff_client(ada)
    assert client.post(url("webhookendpoint_disable", endpoint.pk)).status_code == 302
    endpoint.refresh_from_db()
    assert not endpoint.active and b">Enable<" in client.get(url("webhookendpoint_change", endpoint.pk)).content
    data = {"action": "enable_selected", "index": "0", "_selected_action": [str(endpoint.pk)]}
    assert shown(client.post(url("webhookendpoint_changelist"), data)) == ["Enabled 1 endpoint(s)."]
    endpoint.refresh_from_db()
    assert endpoint.active
    assert len(actions_by(ada, "webhook_endpoint.disabled")) == len(actions_by(ada, "webhook_endpoint.enabled")) == 1


def test_a_delivery_shows_its_payload_and_every_attempt(
    ada: User, receiver: Receiver, endpoint: WebhookEndpoint, django_capture_on_commit_callbacks
) -> None:
    receiver.answers = [500]
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_queue(event_type="appeal.decided", data={"action": "reinstate_account"})
    run_due_webhook_tasks()
    page = staff_client(ada).get(url("webhookdelivery_change", delivery.pk)).content.decode()
    assert "reinstate_account" in page and str(delivery.event_id) in page
    assert "Receiver trouble: database is down" in page and ">500<" in page
    assert 'name="_save"' not in page


def replay(client: Client, *deliveries: WebhookDelivery, **kwargs: Any) -> Any:
    data = {"action": "replay_selected", "index": "0", "_selected_action": [str(d.pk) for d in deliveries]}
    return client.post(url("webhookdelivery_changelist"), data, **kwargs)


def test_replaying_a_delivery_sends_it_once_more_marked_as_a_replay_and_is_audited(
    ada: User, receiver: Receiver, endpoint: WebhookEndpoint, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_queue(event_type="appeal.decided", data={"action": "reinstate_account"})
    run_due_webhook_tasks()
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED

    with django_capture_on_commit_callbacks(execute=True):
        response = replay(staff_client(ada), delivery)

    assert shown(response) == ["Queued 1 delivery(ies) to be sent again."]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.replay_pending) == (DeliveryStatus.QUEUED, True)
    [event] = actions_by(ada, "webhook_delivery.replayed")
    assert event.target_id == str(delivery.pk) and event.data["previous_status"] == "delivered"
    assert run_due_webhook_tasks() == [DeliveryStatus.DELIVERED]
    assert list(WebhookAttempt.objects.values_list("replay", flat=True)) == [False, True]
    assert receiver.received[0].body == receiver.received[1].body


def test_a_failed_replay_is_not_retried_on_its_own(
    ada: User, receiver: Receiver, endpoint: WebhookEndpoint, django_capture_on_commit_callbacks, settings
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 1
    receiver.answers = [500, 500]
    with django_capture_on_commit_callbacks(execute=True):
        [delivery] = webhook_event_queue(event_type="appeal.decided", data={})
    run_due_webhook_tasks()
    with django_capture_on_commit_callbacks(execute=True):
        replay(staff_client(ada), delivery)
    with django_capture_on_commit_callbacks(execute=True):
        assert run_due_webhook_tasks() == [DeliveryStatus.FAILED]
    delivery.refresh_from_db()
    assert delivery.last_error == "HTTP 500 (a replay is tried once)" and waiting_webhook_tasks() == []


def test_a_delivery_still_under_way_is_not_replayed(ada: User, endpoint: WebhookEndpoint) -> None:
    [delivery] = webhook_event_queue(event_type="appeal.decided", data={})
    response = replay(staff_client(ada), delivery)
    assert shown(response) == [f"Delivery #{delivery.pk} was not replayed: It is still being delivered."]
    assert not AuditEvent.objects.filter(action="webhook_delivery.replayed").exists()


def test_staff_without_the_replay_permission_cannot_replay(
    rita: User, endpoint: WebhookEndpoint, django_capture_on_commit_callbacks
) -> None:
    [delivery] = webhook_event_queue(event_type="appeal.decided", data={})
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    viewer = make_staff("vic", Role.ADMINISTRATOR)
    viewer.groups.clear()
    viewer.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))

    assert replay(staff_client(rita), delivery, follow=True).status_code == 403
    page = staff_client(viewer).get(url("webhookdelivery_changelist"))
    assert page.status_code == 200 and b"replay_selected" not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        replay(staff_client(viewer), delivery)
    assert WebhookDelivery.objects.get().status == DeliveryStatus.FAILED and waiting_webhook_tasks() == []
    assert not AuditEvent.objects.filter(action="webhook_delivery.replayed").exists()


@pytest.mark.parametrize("model", LISTS)
def test_every_integrations_list_opens_with_filters_in_few_queries(
    ada: User, endpoint: WebhookEndpoint, model: str, django_assert_max_num_queries
) -> None:
    for _ in range(5):
        webhook_event_queue(event_type="appeal.decided", data={})
    client = staff_client(ada)
    issue_key(client, endpoint.integration, "appeals:read")
    with django_assert_max_num_queries(15):
        response = client.get(url(f"{model}_changelist"), {"q": "example"})
    assert response.status_code == 200
    assert b'id="changelist-filter"' in response.content or model == "integration"


def test_a_delivery_is_found_by_its_event_id_and_a_malformed_one_finds_nothing(
    ada: User, endpoint: WebhookEndpoint
) -> None:
    [delivery] = webhook_event_queue(event_type="appeal.decided", data={})
    client = staff_client(ada)
    found = client.get(url("webhookdelivery_changelist"), {"q": str(delivery.event_id)})
    assert found.status_code == 200 and url("webhookdelivery_change", delivery.pk).encode() in found.content
    assert client.get(url("webhookdelivery_changelist"), {"q": "not-a-uuid"}).status_code == 200


def test_an_integration_is_added_and_changed_in_admin_with_an_audit_trail(ada: User) -> None:
    client = staff_client(ada)
    response = client.post(url("integration_add"), {"name": "Example platform", "contact_email": "ops@example.org"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    integration = Integration.objects.get()
    inlines = {
        f"{prefix}-{count}": "0"
        for prefix in ("keys", "webhook_endpoints")
        for count in ("TOTAL_FORMS", "INITIAL_FORMS")
    }
    change = {"name": "Example platform (prod)", "contact_email": "", **inlines}
    assert client.post(url("integration_change", integration.pk), change).status_code == 302
    assert [
        event.action
        for event in AuditEvent.objects.filter(target_id=str(integration.pk), target_type="integrations.integration")
    ] == [
        "integration.created",
        "integration.changed",
    ]
    page = client.get(url("integration_change", integration.pk)).content.decode()
    assert "Issue an API key" in page and "Register a webhook endpoint" in page
    assert client.get(url("integration_delete", integration.pk)).status_code == 403
