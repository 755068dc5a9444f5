"""Delivery and bounce reports from the mail provider, through django-anymail's webhooks, and what a bounce of a
suspension notice does to the suspension."""

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import pytest
from django.test import Client

from appeals.models import Notice, NoticeStatus, Suspension
from appeals.notices import suspension_notice_send
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.notifications.delivery import notification_deliver
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_queue
from tests.factories import make_suspension
from tests.notifications.conftest import SmtpServer

pytestmark = pytest.mark.django_db

BASIC_AUTH = "recourse:webhook-secret"
SIGNING_KEY = "mailgun-signing-key"
URL = "/notifications/events/mailgun/"


@pytest.fixture(autouse=True)
def _provider_keys(settings) -> None:
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def mailgun_report(notification: Notification, event: str, *, key: str = SIGNING_KEY, **event_data: Any) -> str:
    """A Mailgun tracking webhook body as Mailgun posts it, signed with `key`."""
    timestamp, token = str(int(time.time())), "f4b2c1d0e9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "event": event,
        "timestamp": float(timestamp),
        "recipient": notification.recipient_email,
        # Mailgun gives back the Message-ID we set, without its angle brackets.
        "message": {"headers": {"message-id": notification.message_id.strip("<>")}},
        **event_data,
    }
    return json.dumps(
        {"signature": {"timestamp": timestamp, "token": token, "signature": signature}, "event-data": data}
    )


def post(body: str, *, auth: str = BASIC_AUTH, url: str = URL) -> Any:
    credentials = base64.b64encode(auth.encode()).decode()
    return Client().post(url, body, content_type="application/json", HTTP_AUTHORIZATION=f"Basic {credentials}")


def bounce(notification: Notification, key: str = SIGNING_KEY) -> str:
    status: dict[str, Any] = {
        "delivery-status": {"code": 550, "description": "Mailbox does not exist", "message": "550 5.1.1 No such user"}
    }
    return mailgun_report(notification, "failed", key=key, severity="permanent", reason="bounce", **status)


def sent(recipient: str = "alice@example.org") -> Notification:
    notification = notification_queue(
        template="appeal_received", recipient_email=recipient, context={"reference": "RC-TEST-0001", "handle": "alice"}
    )
    notification_deliver(notification.pk)
    notification.refresh_from_db()
    return notification


def status_of(notification: Notification) -> str:
    notification.refresh_from_db()
    return notification.status


def test_a_delivery_report_marks_the_message_delivered(mailoutbox) -> None:
    notification = sent()
    assert post(mailgun_report(notification, "delivered")).status_code == 200
    assert status_of(notification) == NotificationStatus.DELIVERED


def test_a_bounce_report_marks_the_message_bounced_with_the_reason(mailoutbox) -> None:
    notification = sent()
    assert post(bounce(notification)).status_code == 200
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.BOUNCED and "Mailbox does not exist" in notification.last_error


def test_a_late_delivery_report_does_not_undo_a_bounce(mailoutbox) -> None:
    notification = sent()
    post(bounce(notification))
    post(mailgun_report(notification, "delivered"))
    assert status_of(notification) == NotificationStatus.BOUNCED


def test_a_temporary_failure_changes_nothing(mailoutbox) -> None:
    notification = sent()
    assert post(mailgun_report(notification, "failed", severity="temporary")).status_code == 200
    assert status_of(notification) == NotificationStatus.SENT


def test_a_delivered_attempt_we_thought_had_failed_is_not_sent_again(
    smtp_down: SmtpServer, django_capture_on_commit_callbacks
) -> None:
    notification = notification_queue(template="appeal_received", recipient_email="alice@example.org", context={})
    with django_capture_on_commit_callbacks(execute=True):
        notification_deliver(notification.pk)  # unclear failure: queued for another try
    assert post(mailgun_report(notification, "delivered")).status_code == 200
    smtp_down.start()
    assert notification_deliver(notification.pk) == "skipped"
    assert status_of(notification) == NotificationStatus.DELIVERED and smtp_down.mailbox.messages == []


def test_a_report_about_a_message_we_never_sent_is_accepted_and_ignored(mailoutbox) -> None:
    stranger = Notification(recipient_email="x@example.org", message_id="<someone-else@example.net>")
    assert post(mailgun_report(stranger, "delivered")).status_code == 200
    assert not Notification.objects.exists()


@pytest.mark.parametrize(
    "problem",
    ["bad signature", "bad basic auth", "no secret configured", "no signing key configured"],
)
def test_a_report_that_cannot_be_trusted_is_refused_and_changes_nothing(problem: str, settings, mailoutbox) -> None:
    notification = sent()
    body, auth = mailgun_report(notification, "delivered"), BASIC_AUTH
    if problem == "bad signature":
        body = bounce(notification, key="a-guess")
    elif problem == "bad basic auth":
        auth = "recourse:a-guess"
    elif problem == "no secret configured":
        settings.ANYMAIL = {"MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}
    else:
        settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH}
    assert post(body, auth=auth).status_code == 403
    assert status_of(notification) == NotificationStatus.SENT


def test_an_unknown_provider_is_not_found_and_reports_are_posted_only() -> None:
    assert post("{}", url="/notifications/events/pigeon/").status_code == 404
    assert Client().get(URL).status_code == 405
    assert Client().head(URL).status_code == 200  # how some providers check the URL when it is set up


def test_a_basic_auth_only_provider_is_heard_too(mailoutbox) -> None:
    notification = sent()
    report = {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "MessageID": notification.message_id.strip("<>"),
        "Email": notification.recipient_email,
        "Description": "The server was unable to deliver your message",
        "BouncedAt": "2031-06-01T12:00:00Z",
    }
    assert post(json.dumps(report), url="/notifications/events/postmark/").status_code == 200
    assert status_of(notification) == NotificationStatus.BOUNCED


def notices_of(suspension: Suspension) -> list[tuple[str, bool]]:
    return [(notice.status, notice.sent_by_recourse) for notice in Notice.objects.filter(suspension=suspension)]


def test_a_suspension_notice_keeps_its_notice_row_and_the_informed_flag_in_step(smtp_server: SmtpServer) -> None:
    suspension = make_suspension("bob", informed=False)
    notification = suspension_notice_send(suspension=suspension, actor=Actor.system("platform"))
    assert notification_deliver(notification.pk) == NotificationStatus.SENT
    [message] = smtp_server.mailbox.messages
    assert message["To"] == "bob@example.org" and "@bob" in message["Subject"]
    assert "/appeal/find/" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert notices_of(suspension) == [(NoticeStatus.SENT, True)]
    suspension.refresh_from_db()
    assert suspension.never_informed  # sent is not yet received

    post(mailgun_report(notification, "delivered"))
    suspension.refresh_from_db()
    assert notices_of(suspension) == [(NoticeStatus.DELIVERED, True)] and not suspension.never_informed

    post(bounce(notification))
    suspension.refresh_from_db()
    assert notices_of(suspension) == [(NoticeStatus.BOUNCED, True)] and suspension.never_informed
    assert Notice.objects.get(suspension=suspension).detail.startswith("Mailgun: Mailbox does not exist")
    changes = AuditEvent.objects.filter(action="notice.status_changed").order_by("seq")
    assert [(event.data["to"], event.data["informed"]) for event in changes] == [
        ("delivered", True),
        ("bounced", False),
    ]


def test_a_bounced_suspension_notice_leaves_an_earlier_delivered_notice_counting(smtp_server: SmtpServer) -> None:
    suspension = make_suspension("carol")  # the platform's own notice reached her
    notification = suspension_notice_send(suspension=suspension, actor=Actor.system("platform"))
    notification_deliver(notification.pk)
    post(bounce(notification))
    suspension.refresh_from_db()
    assert notices_of(suspension) == [(NoticeStatus.DELIVERED, False), (NoticeStatus.BOUNCED, True)]
    assert not suspension.never_informed


def test_a_suspension_notice_that_cannot_be_sent_is_recorded_as_failed(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refused.add("dave@example.org")
    suspension = make_suspension("dave", informed=False)
    notification = suspension_notice_send(suspension=suspension, actor=Actor.system("platform"))
    assert notification_deliver(notification.pk) == NotificationStatus.FAILED
    assert notices_of(suspension) == [(NoticeStatus.FAILED, True)]


def test_a_suspension_notice_given_up_on_then_reported_delivered_has_one_notice_row(
    smtp_down: SmtpServer, settings
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    suspension = make_suspension("erin", informed=False)
    notification = suspension_notice_send(suspension=suspension, actor=Actor.system("platform"))
    assert notification_deliver(notification.pk) == NotificationStatus.FAILED  # unclear: maybe it went after all
    assert notices_of(suspension) == [(NoticeStatus.FAILED, True)]
    post(mailgun_report(notification, "delivered"))
    suspension.refresh_from_db()
    assert notices_of(suspension) == [(NoticeStatus.DELIVERED, True)] and not suspension.never_informed
