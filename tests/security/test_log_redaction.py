"""No log line holds a sign-in token, an API key, a webhook secret or a whole email address, whichever flow wrote
it. Every record pytest captures has passed the handlers LOGGING configures (portal/log_redaction.py)."""

import logging

import pytest
from django.test import Client

from accounts.appellant_access import sign_in_link_request
from appeals.models import Suspension
from portal.audit.actors import Actor
from portal.integrations.services import api_key_revoke
from portal.log_redaction import redact
from portal.notifications.delivery import notification_deliver
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_queue
from tests.appeals.test_appellant_pages import link_token
from tests.factories import make_api_key
from tests.notifications.conftest import SmtpServer, smtp_down, smtp_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Everything captured, as the handlers write it: messages and tracebacks."""
    return "\n".join(
        f"{record.getMessage()}\n{record.exc_text or ''}\n{record.stack_info or ''}" for record in caplog.records
    )


def test_a_used_sign_in_link_is_logged_without_its_token(alice_suspension: Suspension, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    suspension = alice_suspension
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip=None)
    token = link_token("sign_in_link", suspension.account_email)
    client = Client()
    assert client.post(f"/appeal/sign-in/{token}/").status_code == 302
    assert client.post(f"/appeal/sign-in/{token}/").status_code == 410  # Django logs the refused path
    assert "Gone: /appeal/sign-in/…/" in logged(caplog)
    assert token not in logged(caplog) and token.partition(".")[0] not in logged(caplog)


def test_a_revoked_api_key_is_logged_without_its_secret(db, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    key, plaintext = make_api_key("appeals:read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/appeals/").status_code == 200
    api_key_revoke(actor=Actor.system("tests"), key=key)
    # A client that puts its key in the query string (it should not) still gets it kept out of the log.
    assert client.get(f"/api/v1/appeals/?key={plaintext}").status_code == 401
    assert "Unauthorized: /api/v1/appeals/" in logged(caplog)
    assert plaintext not in logged(caplog)
    assert plaintext.rsplit("_", 1)[-1] not in logged(caplog)


def test_a_mail_the_server_refuses_is_logged_with_the_address_masked(smtp_server: SmtpServer, caplog) -> None:  # noqa: F811
    smtp_server.mailbox.refused.add("gone.away@example.org")
    notification = notification_queue(
        template="appeal_received",
        recipient_email="gone.away@example.org",
        context={"reference": "RC-TEST-0001", "handle": "alice"},
    )
    assert notification_deliver(notification.pk) == NotificationStatus.FAILED
    assert "gone.away@example.org" in Notification.objects.get(pk=notification.pk).last_error  # kept for staff
    text = logged(caplog)
    assert f"Could not send notification {notification.pk} to g•••@example.org" in text
    assert "gone.away@example.org" not in text


def test_a_traceback_is_logged_without_tokens_keys_secrets_or_addresses(caplog) -> None:
    secret_bits = [
        "/appeal/sign-in/AbCdEfGhIjKlMnOpQrStUvWx.0123456789abcdef0123456789abcdef/",
        "rk_0123456789ab_ThisIsTheSecretPartOfTheKey-1234567890",
        "whsec_ThisIsTheWebhookSecret_1234567890",
        "someone.private@example.net",
    ]
    try:
        raise ValueError(" ".join(secret_bits))
    except ValueError:
        logging.getLogger("django.request").exception("Internal Server Error: %s", secret_bits[0])
    text = logged(caplog)
    assert "ValueError: /appeal/sign-in/…/ rk_0123456789ab_… whsec_… s•••@example.net" in text
    assert all(bit.strip("/").split("/")[-1] not in text for bit in secret_bits)


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ('"GET /appeal/sign-in/abc.def/ HTTP/1.1" 200', '"GET /appeal/sign-in/…/ HTTP/1.1" 200'),
        ("Referer: https://x.example/appeal/sign-in/abc.def/?a=1", "Referer: https://x.example/appeal/sign-in/…/?a=1"),
        ("Authorization: Bearer rk_0123456789ab_s3cr3t-Part_x", "Authorization: Bearer rk_0123456789ab_…"),
        ("secret whsec_abc-DEF_123 rotated", "secret whsec_… rotated"),
        ("to jonas.meier+appeals@example.de, cc a@b.co", "to j•••@example.de, cc a•••@b.co"),
        ("already masked j•••@example.de", "already masked j•••@example.de"),
        ("nothing to hide: appeal RC-2026-0001", "nothing to hide: appeal RC-2026-0001"),
    ],
)
def test_the_redaction_rule(line: str, redacted: str) -> None:
    assert redact(line) == redacted
