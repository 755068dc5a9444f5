"""Trying failed or bounced messages again from the admin site: the same message (same Message-ID) from a fresh
count, audited, and only for administrators."""

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from portal.audit.models import AuditEvent
from portal.notifications.delivery import notification_deliver
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_queue
from portal.notifications.tasks import deliver_notification
from tests.conftest import staff_client
from tests.notifications.conftest import SmtpServer

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:notifications_notification_changelist"


def sent_to(recipient: str) -> Notification:
    """A message the worker has had its go at, ending however the mail server answered."""
    notification = notification_queue(
        template="appeal_received", recipient_email=recipient, context={"reference": "RC-TEST-0001", "handle": "al"}
    )
    notification_deliver(notification.pk)
    notification.refresh_from_db()
    return notification


def try_again(client: Client, *notifications: Notification, **kwargs: Any) -> Any:
    """What the changelist posts when someone ticks rows, picks the action and presses Go."""
    data = {"action": "retry", "index": "0", "_selected_action": [str(n.pk) for n in notifications]}
    return client.post(reverse(CHANGELIST), data, **kwargs)


def shown(response: Any) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def deliveries_waiting() -> list[int]:
    results = DBTaskResult.objects.filter(task_path=deliver_notification.module_path).order_by("enqueued_at")
    return [result.args_kwargs["args"][0] for result in results]


def test_an_administrator_tries_a_failed_message_again_and_it_goes_as_the_same_message(
    ada: User, smtp_server: SmtpServer, django_capture_on_commit_callbacks
) -> None:
    smtp_server.mailbox.refused.add("gone@example.org")
    failed = sent_to("gone@example.org")
    assert (failed.status, failed.attempts) == (NotificationStatus.FAILED, 1)
    smtp_server.mailbox.refused.clear()  # the mailbox exists again

    with django_capture_on_commit_callbacks(execute=True):
        response = try_again(staff_client(ada), failed)

    assert response.status_code == 302
    assert shown(response) == ["Queued 1 message to try again."]
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (NotificationStatus.QUEUED, 0, "")
    [event] = AuditEvent.objects.for_target(failed).filter(action="notification.retried")
    assert (event.actor_kind, event.actor_id, event.ip) == ("staff", str(ada.pk), "127.0.0.1")
    assert deliveries_waiting() == [failed.pk]
    deliver_notification.call(failed.pk)
    assert [message["Message-ID"] for message in smtp_server.mailbox.messages] == [failed.message_id]


def test_a_message_that_was_sent_is_skipped_with_the_reason_while_the_others_are_queued(
    ada: User, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox.refused.add("gone@example.org")
    sent, failed = sent_to("alice@example.org"), sent_to("gone@example.org")
    bounced = sent_to("bob@example.org")
    Notification.objects.filter(pk=bounced.pk).update(status=NotificationStatus.BOUNCED)  # as the provider reported

    response = try_again(staff_client(ada), sent, failed, bounced)

    assert shown(response) == [
        "Queued 2 messages to try again.",
        f"Skipped 1 message (#{sent.pk}): Only a failed or bounced message can be tried again.",
    ]
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {
        sent.pk: NotificationStatus.SENT,
        failed.pk: NotificationStatus.QUEUED,
        bounced.pk: NotificationStatus.QUEUED,
    }
    retried = AuditEvent.objects.filter(action="notification.retried").values_list("target_id", flat=True)
    assert sorted(retried) == sorted([str(failed.pk), str(bounced.pk)])


def test_the_needs_attention_filter_lists_only_failed_and_bounced_messages(ada: User, smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refused.add("gone@example.org")
    sent_to("alice@example.org")
    failed, bounced = sent_to("gone@example.org"), sent_to("bob@example.org")
    Notification.objects.filter(pk=bounced.pk).update(status=NotificationStatus.BOUNCED)

    response = staff_client(ada).get(reverse(CHANGELIST), {"attention": "undelivered"})

    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {failed.pk, bounced.pk}
    assert b"Try the selected failed or bounced messages again" in response.content


def test_a_reviewer_can_neither_see_the_outbox_in_admin_nor_try_a_message_again(
    rita: User, smtp_server: SmtpServer
) -> None:
    smtp_server.mailbox.refused.add("gone@example.org")
    failed = sent_to("gone@example.org")

    response = try_again(staff_client(rita), failed, follow=True)

    assert response.status_code == 403
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (NotificationStatus.FAILED, 1)
    assert not AuditEvent.objects.filter(action="notification.retried").exists()
