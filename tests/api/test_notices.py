"""/api/v1/suspensions/{id}/notices/: the platform reports each notice it sent and what became of it, so Recourse
knows whether the account holder was informed and when their appeal window started."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.models import Notice, NoticeStatus, Suspension
from appeals.suspensions import notice_record
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from tests.factories import make_suspension


@pytest.fixture
def writer(api_client) -> APIClient:
    return api_client("suspensions:write")


@pytest.fixture
def suspension(db) -> Suspension:
    return make_suspension("jo", informed=False)


def notices_of(suspension: Suspension) -> str:
    return f"/api/v1/suspensions/{suspension.pk}/notices/"


def report(**changes) -> dict:
    body = {
        "channel": "email",
        "address": "jo@example.org",
        "status": "delivered",
        "sent_at": (timezone.now() - timedelta(hours=2)).isoformat(),
    }
    body.update(changes)
    return body


def test_a_delivered_notice_informs_the_account_holder(writer, suspension):
    response = writer.post(notices_of(suspension), report(), format="json")
    assert response.status_code == 201
    body = response.json()
    notice = Notice.objects.get(pk=body["id"])
    assert (notice.channel, notice.address, notice.status, notice.sent_by_recourse) == (
        "email",
        "jo@example.org",
        "delivered",
        False,
    )
    assert body["suspension"]["never_informed"] is False
    assert body["suspension"]["appeal_deadline"] is not None
    suspension.refresh_from_db()
    assert suspension.informed_at == notice.status_at
    event = AuditEvent.objects.get(action="notice.recorded", target_id=str(suspension.pk))
    assert event.actor_id == f"key:{writer.key.prefix}"
    assert event.data["informed"] is True


def test_a_bounced_notice_leaves_them_never_informed(writer, suspension):
    response = writer.post(notices_of(suspension), report(status="bounced", detail="550 no such user"), format="json")
    assert response.status_code == 201
    assert response.json()["suspension"]["never_informed"] is True
    assert response.json()["detail"] == "550 no such user"


def test_a_later_bounce_of_the_only_delivered_notice_makes_them_uninformed_again(writer, suspension):
    notice_id = writer.post(notices_of(suspension), report(), format="json").json()["id"]
    response = writer.patch(f"{notices_of(suspension)}{notice_id}/", {"status": "bounced"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "bounced"
    assert response.json()["suspension"]["never_informed"] is True
    assert AuditEvent.objects.get(action="notice.status_changed").actor_id == f"key:{writer.key.prefix}"


def test_a_delivery_report_for_a_sent_notice_informs_them(writer, suspension):
    notice_id = writer.post(notices_of(suspension), report(status="sent"), format="json").json()["id"]
    delivered_at = timezone.now() - timedelta(hours=1)
    response = writer.patch(
        f"{notices_of(suspension)}{notice_id}/",
        {"status": "delivered", "status_at": delivered_at.isoformat()},
        format="json",
    )
    assert response.json()["suspension"]["informed_at"] == delivered_at.isoformat().replace("+00:00", "Z")


def test_an_in_app_notice_needs_no_address(writer, suspension):
    response = writer.post(notices_of(suspension), report(channel="in_app", address=""), format="json")
    assert response.status_code == 201


def test_the_notices_are_listed(api_client, suspension):
    writer = api_client("suspensions:write", "appeals:read")
    writer.post(notices_of(suspension), report(status="bounced"), format="json")
    writer.post(notices_of(suspension), report(channel="sms", address="+49 151 0000000"), format="json")
    response = writer.get(notices_of(suspension))
    assert response.status_code == 200
    assert [(row["channel"], row["status"]) for row in response.json()["results"]] == [
        ("email", "bounced"),
        ("sms", "delivered"),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"sent_at": (timezone.now() + timedelta(hours=1)).isoformat()}, "sent_at"),
        ({"sent_at": (timezone.now() - timedelta(days=30)).isoformat()}, "sent_at"),
        ({"status_at": (timezone.now() - timedelta(hours=3)).isoformat()}, "status_at"),
        ({"status_at": (timezone.now() + timedelta(days=1)).isoformat()}, "status_at"),
        ({"address": "not an address"}, "address"),
        ({"channel": "post", "address": ""}, "address"),
        ({"channel": "pigeon"}, "channel"),
        ({"status": "read"}, "status"),
        ({"detail": "x" * 501}, "detail"),
        ({"address": "a\x00b@example.org"}, "address"),
        ({"sent_at": None}, "sent_at"),
    ],
    ids=[
        "sent-in-the-future",
        "sent-long-before-the-decision",
        "status-before-sent",
        "status-in-the-future",
        "bad-email",
        "letter-without-address",
        "unknown-channel",
        "unknown-status",
        "detail-too-long",
        "nul-character",
        "no-sent-at",
    ],
)
def test_an_impossible_notice_is_refused_naming_the_field(writer, suspension, changes, field):
    response = writer.post(notices_of(suspension), report(**changes), format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not suspension.notices.exists()


def test_a_batch_of_notices_is_refused(writer, suspension):
    response = writer.post(notices_of(suspension), [report()], format="json")
    assert response.status_code == 400
    assert "non_field_errors" in response.json()["errors"]


def test_an_impossible_status_report_is_refused(writer, suspension):
    notice_id = writer.post(notices_of(suspension), report(status="sent"), format="json").json()["id"]
    before_sent = (timezone.now() - timedelta(hours=3)).isoformat()
    response = writer.patch(
        f"{notices_of(suspension)}{notice_id}/", {"status": "delivered", "status_at": before_sent}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["status_at"]


def test_a_notice_recourse_sent_cannot_be_reported_on_by_the_platform(writer, suspension):
    notice = notice_record(
        actor=Actor.system("outbox"),
        suspension=suspension,
        channel="email",
        address="jo@example.org",
        status=NoticeStatus.SENT,
        sent_at=timezone.now(),
        sent_by_recourse=True,
    )
    response = writer.patch(f"{notices_of(suspension)}{notice.pk}/", {"status": "bounced"}, format="json")
    assert response.status_code == 403
    assert Notice.objects.get(pk=notice.pk).status == NoticeStatus.SENT


def test_a_notice_of_another_suspension_is_not_found(writer, suspension):
    other = make_suspension("someone-else")
    notice = other.notices.get()
    response = writer.patch(f"{notices_of(suspension)}{notice.pk}/", {"status": "bounced"}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_unknown_suspension_is_not_found(writer):
    response = writer.post("/api/v1/suspensions/999999/notices/", report(), format="json")
    assert response.status_code == 404


def test_reporting_needs_the_write_scope_and_listing_the_read_scope(api_client, suspension):
    reader = api_client("appeals:read")
    writer = api_client("suspensions:write")
    assert reader.post(notices_of(suspension), report(), format="json").status_code == 403
    assert writer.get(notices_of(suspension)).status_code == 403
    assert reader.get(notices_of(suspension)).status_code == 200
