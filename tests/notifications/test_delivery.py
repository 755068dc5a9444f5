import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from appeals.models import Appeal
from portal.notifications.delivery import notification_deliver
from portal.notifications.models import Channel, Notification, NotificationStatus
from portal.notifications.services import notification_queue


def queue(template: str = "appeal_received", **fields: object) -> Notification:
    values: dict = {"recipient_email": "alice@example.org", "context": {"reference": "RC-TEST-0001", "handle": "alice"}}
    values.update(fields)
    return notification_queue(template=template, **values)


def test_the_worker_is_asked_to_send_only_after_the_change_commits(db, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = queue()
        assert not DBTaskResult.objects.exists()
    assert len(callbacks) == 1
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [notification.pk]


def test_a_rolled_back_change_sends_nothing(db, django_capture_on_commit_callbacks) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue()
        raise RuntimeError("the change failed")
    assert callbacks == [] and not Notification.objects.exists() and not DBTaskResult.objects.exists()


def test_delivery_sends_text_and_html_with_a_stable_message_id(alice_appeal: Appeal, mailoutbox) -> None:
    notification = Notification.objects.get(template="appeal_received")
    assert notification_deliver(notification.pk) == NotificationStatus.SENT
    [email] = mailoutbox
    assert email.to == ["alice@example.org"] and alice_appeal.reference in email.subject
    assert email.extra_headers["Message-ID"] == notification.message_id
    assert alice_appeal.reference in email.body and email.alternatives[0].mimetype == "text/html"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    assert notification.sent_at is not None


def test_a_message_is_sent_once_even_if_delivered_twice(db, mailoutbox) -> None:
    notification = queue()
    assert notification_deliver(notification.pk) == NotificationStatus.SENT
    assert notification_deliver(notification.pk) == "skipped"
    assert len(mailoutbox) == 1


def test_a_broken_message_fails_alone_and_says_why(db, mailoutbox) -> None:
    broken, good = queue(template="no_such_template"), queue()
    assert notification_deliver(broken.pk) == NotificationStatus.FAILED
    assert notification_deliver(good.pk) == NotificationStatus.SENT
    broken.refresh_from_db()
    assert broken.status == NotificationStatus.FAILED and "TemplateDoesNotExist" in broken.last_error
    assert [email.to for email in mailoutbox] == [["alice@example.org"]]


def test_an_in_portal_message_needs_no_mail(db, mailoutbox) -> None:
    notification = queue(channel=Channel.PORTAL, recipient_email="")
    assert notification_deliver(notification.pk) == NotificationStatus.DELIVERED
    assert mailoutbox == []


def test_messages_go_out_in_the_recipients_language(db, mailoutbox) -> None:
    notification_deliver(queue(language="de").pk)
    assert "Einspruch" in mailoutbox[0].subject or "Beschwerde" in mailoutbox[0].subject
