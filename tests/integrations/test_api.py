"""/api/v1/webhooks/: the platform registers, lists and disables its own endpoints with a `webhooks:manage` key,
and reads how deliveries to them went; other integrations' endpoints do not exist for it."""

import pytest

from accounts.models import User
from portal.audit.models import AuditEvent
from portal.integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from portal.integrations.services import webhook_endpoint_register
from portal.integrations.webhooks import webhook_event_queue
from tests.conftest import staff_client
from tests.integrations.conftest import PLATFORM_ADMIN, key_client

WEBHOOKS = "/api/v1/webhooks/"
URL = "https://platform.example/recourse-events"

pytestmark = pytest.mark.django_db


def test_registering_an_endpoint_returns_its_secret_once_and_is_audited_with_the_key() -> None:
    client = key_client("webhooks:manage")
    response = client.post(WEBHOOKS, {"url": URL}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    endpoint = WebhookEndpoint.objects.get()
    assert body == {
        "id": endpoint.pk,
        "url": URL,
        "active": True,
        "integration": "Example platform",
        "created_at": body["created_at"],
        "secret": endpoint.secret,
    }
    assert endpoint.secret.startswith("whsec_") and endpoint.integration == client.key.integration
    event = AuditEvent.objects.get(action="webhook_endpoint.registered")
    assert (event.actor_kind, event.actor_id, event.target_id) == ("api", f"key:{client.key.prefix}", str(endpoint.pk))
    assert endpoint.secret not in str(event.data)

    listed = client.get(WEBHOOKS).json()
    assert [row["url"] for row in listed["results"]] == [URL]
    assert endpoint.secret not in str(listed) and endpoint.secret not in str(
        client.get(f"{WEBHOOKS}{endpoint.pk}/").json()
    )


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://platform.example/hook", "Use an https:// URL."),
        ("ftp://platform.example/hook", "Use an https:// URL."),
        ("not a url", "Enter a valid URL."),
        ("", "This field may not be blank."),
    ],
)
def test_an_endpoint_url_must_be_https_and_well_formed(settings, url: str, reason: str) -> None:
    settings.WEBHOOK_ALLOW_HTTP = False
    response = key_client("webhooks:manage").post(WEBHOOKS, {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": [reason]}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[::1]/hook",
        "https://[::ffff:192.168.0.1]/hook",
        "https://localhost/hook",
        "https://metadata.google.internal/hook",
    ],
)
def test_an_endpoint_on_a_private_address_is_refused(settings, url: str) -> None:
    settings.WEBHOOK_ALLOW_PRIVATE = False
    response = key_client("webhooks:manage").post(WEBHOOKS, {"url": url}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": ["Use an address on the public internet."]}
    assert not WebhookEndpoint.objects.exists()


def test_registering_the_same_url_twice_is_refused() -> None:
    client = key_client("webhooks:manage")
    assert client.post(WEBHOOKS, {"url": URL}, format="json").status_code == 201
    response = client.post(WEBHOOKS, {"url": URL}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"url": ["This URL is already registered and active."]}


def test_deleting_disables_the_endpoint_keeps_it_listed_and_is_audited() -> None:
    client = key_client("webhooks:manage")
    endpoint_id = client.post(WEBHOOKS, {"url": URL}, format="json").json()["id"]
    response = client.delete(f"{WEBHOOKS}{endpoint_id}/")
    assert response.status_code == 204
    assert WebhookEndpoint.objects.get(pk=endpoint_id).active is False
    assert client.get(f"{WEBHOOKS}{endpoint_id}/").json()["active"] is False
    event = AuditEvent.objects.get(action="webhook_endpoint.disabled")
    assert event.actor_id == f"key:{client.key.prefix}"
    assert client.delete(f"{WEBHOOKS}{endpoint_id}/").status_code == 204, "disabling twice changes nothing"
    assert AuditEvent.objects.filter(action="webhook_endpoint.disabled").count() == 1


def test_another_integrations_endpoints_do_not_exist_for_a_key() -> None:
    ours = key_client("webhooks:manage")
    theirs = key_client("webhooks:manage", integration="Other platform")
    their_id = theirs.post(WEBHOOKS, {"url": URL}, format="json").json()["id"]
    assert ours.get(WEBHOOKS).json()["results"] == []
    for response in (
        ours.get(f"{WEBHOOKS}{their_id}/"),
        ours.delete(f"{WEBHOOKS}{their_id}/"),
        ours.get(f"{WEBHOOKS}{their_id}/deliveries/"),
    ):
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert WebhookEndpoint.objects.get(pk=their_id).active


def test_a_key_without_the_webhooks_scope_is_refused() -> None:
    client = key_client("appeals:read", "suspensions:write")
    response = client.post(WEBHOOKS, {"url": URL}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key lacks the webhooks:manage scope."
    assert client.get(WEBHOOKS).status_code == 403


def test_staff_may_read_every_integrations_endpoints_but_not_register_one(rita: User) -> None:
    key_client("webhooks:manage").post(WEBHOOKS, {"url": URL}, format="json")
    key_client("webhooks:manage", integration="Other platform").post(WEBHOOKS, {"url": URL}, format="json")
    client = staff_client(rita)
    listed = client.get(WEBHOOKS, HTTP_ACCEPT="application/json").json()["results"]
    assert sorted(row["integration"] for row in listed) == ["Example platform", "Other platform"]
    response = client.post(WEBHOOKS, {"url": URL + "/3"}, content_type="application/json")
    assert response.status_code == 403 and WebhookEndpoint.objects.count() == 2


def test_an_endpoints_deliveries_are_listed_newest_first_with_their_outcome(django_assert_max_num_queries) -> None:
    client = key_client("webhooks:manage")
    endpoint = webhook_endpoint_register(actor=PLATFORM_ADMIN, integration=client.key.integration, url=URL)
    first, *_, newest = (webhook_event_queue(event_type="appeal.decided", data={"n": n})[0] for n in range(5))
    WebhookDelivery.objects.filter(pk=first.pk).update(
        status=DeliveryStatus.FAILED,
        attempts=12,
        last_status_code=500,
        last_error="HTTP 500 (gave up after 12 attempts)",
    )
    with django_assert_max_num_queries(6):
        page = client.get(f"{WEBHOOKS}{endpoint.pk}/deliveries/", {"page_size": 4}).json()
    assert [row["id"] for row in page["results"]][0] == newest.pk and len(page["results"]) == 4
    assert set(page["results"][0]) == {
        "id",
        "event_id",
        "event_type",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "created_at",
        "delivered_at",
    }
    last_page = client.get(page["next"]).json()
    [oldest] = last_page["results"]
    assert (oldest["id"], oldest["status"], oldest["attempts"], oldest["last_status_code"]) == (
        first.pk,
        "failed",
        12,
        500,
    )
    assert last_page["next"] is None


def test_the_endpoint_list_costs_the_same_queries_however_many_there_are(django_assert_max_num_queries) -> None:
    client = key_client("webhooks:manage")
    for n in range(30):
        webhook_endpoint_register(actor=PLATFORM_ADMIN, integration=client.key.integration, url=f"{URL}/{n}")
    with django_assert_max_num_queries(5):
        response = client.get(WEBHOOKS)
    assert len(response.json()["results"]) == 30
