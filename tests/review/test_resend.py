"""'I never received the email': staff see every message sent about a case and can send one again."""

import pytest
from django.test import Client

from accounts.appellant_access import sign_in_link_request
from accounts.models import User
from appeals.models import Appeal
from appeals.services import appeal_verify_identity
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification, NotificationStatus
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

pytestmark = pytest.mark.django_db


def resend(client: Client, appeal: Appeal, notification: Notification, to: str = "same") -> None:
    client.post(f"/review/appeals/{appeal.reference}/messages-sent/{notification.pk}/resend/", {"to": to})


def received(appeal: Appeal) -> Notification:
    return Notification.objects.get(template="appeal_received", related_id=appeal.pk)


def test_the_case_lists_what_was_sent_with_status_attempts_and_error(rita: User, alice_appeal: Appeal) -> None:
    Notification.objects.filter(pk=received(alice_appeal).pk).update(
        status=NotificationStatus.FAILED, attempts=6, last_error="SMTPConnectError: connection refused"
    )
    page = staff_client(rita).get(f"/review/appeals/{alice_appeal.reference}/").content.decode()
    assert "appeal_received" in page and "a•••@example.org" in page
    assert "6 attempts" in page and "SMTPConnectError: connection refused" in page


def test_resending_sends_a_new_copy_and_is_audited(rita: User, alice_appeal: Appeal) -> None:
    original = received(alice_appeal)
    resend(staff_client(rita), alice_appeal, original)
    copy = Notification.objects.exclude(pk=original.pk).get(template="appeal_received")
    assert copy.recipient_email == original.recipient_email and copy.message_id != original.message_id
    event = AuditEvent.objects.get(action="notification.resent")
    assert (event.actor_kind, event.actor_id, event.data["copy"]) == ("staff", str(rita.pk), copy.pk)


def test_the_new_address_is_used_only_once_the_identity_is_verified(rita: User) -> None:
    appeal = make_appeal(
        make_suspension("lost_mailbox", informed=False), contact_email="new@example.net", identity_verified=False
    )
    elsewhere = Notification.objects.get(template="appeal_filed_elsewhere")
    client = staff_client(rita)
    resend(client, appeal, elsewhere, to="contact")
    assert not AuditEvent.objects.filter(action="notification.resent").exists()
    appeal_verify_identity(appeal=appeal, by=rita, note="Matched the platform's login history.")
    resend(client, appeal, elsewhere, to="contact")
    assert Notification.objects.filter(template="appeal_filed_elsewhere", recipient_email="new@example.net").exists()


def test_staff_mail_and_other_cases_messages_cannot_be_resent_from_a_case(rita: User, sam: User) -> None:
    appeal, other = make_appeal(), make_appeal()
    client = staff_client(rita)
    resend(client, appeal, received(other))
    staff_mail = Notification.objects.create(
        template="approval_waiting",
        recipient_email=sam.email,
        recipient_user=sam,
        related_type=received(appeal).related_type,
        related_id=appeal.pk,
    )
    resend(client, appeal, staff_mail)
    assert not AuditEvent.objects.filter(action="notification.resent").exists()


def test_a_used_sign_in_link_is_never_sent_again(rita: User, alice_appeal: Appeal) -> None:
    sign_in_link_request(handle="alice", email="alice@example.org", language="en", ip=None)
    link = Notification.objects.get(template="sign_in_link")
    resend(staff_client(rita), alice_appeal, link)
    assert Notification.objects.filter(template="sign_in_link").count() == 1
    assert not AuditEvent.objects.filter(action="notification.resent").exists()
