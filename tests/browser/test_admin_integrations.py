from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from portal.audit.actors import Actor
from portal.integrations.keys import key_hash
from portal.integrations.models import ApiKey, Integration, WebhookDelivery
from portal.integrations.services import integration_save, webhook_endpoint_register
from portal.integrations.webhooks import webhook_deliver, webhook_event_queue
from tests.browser.conftest import staff_login
from tests.network import HOST, free_port

SETUP = Actor.system("tests")


def a_delivery_that_could_not_connect(platform: Integration) -> WebhookDelivery:
    webhook_endpoint_register(actor=SETUP, integration=platform, url=f"http://{HOST}:{free_port()}/recourse-events")
    [delivery] = webhook_event_queue(event_type="appeal.decided", data={"action": "reinstate_account"})
    webhook_deliver(delivery.pk)
    return delivery


def test_administrator_issues_a_key_sees_it_once_revokes_it_and_reads_a_deliverys_attempts(
    page: Page,
    live_server: LiveServer,
    ada: User,
    settings,
    csp_violations: list[str],
    readme_screenshot: Callable[[str], Path],
) -> None:
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True
    platform = integration_save(actor=SETUP, integration=Integration(name="Example platform"))
    delivery = a_delivery_that_could_not_connect(platform)
    staff_login(page, live_server, ada, next_path="/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    page.locator("tr.model-apikey").get_by_role("link", name="Add").click()
    expect(page.get_by_role("heading", name="Issue an API key")).to_be_visible()
    page.get_by_label("Integration:").select_option(label="Example platform")
    page.get_by_label("Name:").fill("production ingest")
    page.get_by_label("Send suspensions and notices").check()
    page.get_by_label("Read suspensions, appeals and decisions").check()
    page.get_by_role("button", name="Issue key").click()

    expect(page.get_by_role("heading", name="API key issued")).to_be_visible()
    plaintext = page.get_by_label("The API key:").input_value()
    readme_screenshot("admin-api-key-issued")
    key = ApiKey.objects.get()
    assert plaintext.startswith("rk_") and key.key_hash == key_hash(plaintext)
    assert key.scopes == ["appeals:read", "suspensions:write"]

    page.get_by_role("link", name="I have copied it").click()
    expect(page.locator(".field-prefix .readonly")).to_have_text(key.prefix)
    assert plaintext not in page.content()
    page.get_by_role("link", name="Revoke").click()
    expect(page.get_by_text("Calls with it are refused at once.")).to_be_visible()
    page.get_by_role("button", name="Revoke").click()
    expect(page.locator(".messagelist")).to_contain_text("Revoked “Example platform: production ingest")
    expect(page.get_by_role("link", name="Revoke")).to_have_count(0)
    assert not ApiKey.objects.get().is_active

    page.goto(f"{live_server.url}/admin/integrations/webhookdelivery/")
    page.locator("#result_list tbody tr").first.locator("th a").click()
    expect(page.locator(".field-event_id .readonly")).to_have_text(str(delivery.event_id))
    attempts = page.locator("#attempt_log-group")
    expect(attempts).to_contain_text("ConnectionRefusedError")
    expect(page.locator(".field-payload_json pre")).to_contain_text('"action": "reinstate_account"')
    readme_screenshot("admin-webhook-delivery")
    assert csp_violations == []
