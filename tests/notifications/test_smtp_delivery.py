"""Sending through a real SMTP server: what arrives, what happens when the server is down or says no, and how the
sweep recovers what a stopped worker left behind."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from portal.notifications.delivery import notification_deliver, outbox_sweep, retry_delay
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_queue
from portal.notifications.tasks import deliver_notification, notification_sweep
from tests.notifications.conftest import SmtpServer

pytestmark = pytest.mark.django_db


def queue(recipient: str = "alice@example.org", template: str = "appeal_received", **fields: Any) -> Notification:
    context = {"reference": "RC-TEST-0001", "handle": "alice"}
    return notification_queue(template=template, recipient_email=recipient, context=context, **fields)


def reread(notification: Notification) -> Notification:
    notification.refresh_from_db()
    return notification


def pending_deliveries() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=deliver_notification.module_path).order_by("enqueued_at"))


def run_pending_deliveries() -> None:
    """What the worker would do with every delivery task waiting now, ignoring when each was due."""
    for result in pending_deliveries():
        deliver_notification.call(*result.args_kwargs["args"])


def test_a_message_arrives_with_its_headers_both_parts_and_in_the_recipients_language(
    smtp_server: SmtpServer,
) -> None:
    notification = queue(recipient="jonas@example.de", language="de")
    assert notification_deliver(notification.pk) == NotificationStatus.SENT
    [message] = smtp_server.mailbox.messages
    assert message["To"] == "jonas@example.de"
    assert message["Subject"] == "Recourse: Wir haben Ihren Einspruch RC-TEST-0001 erhalten"
    assert message["Message-ID"] == notification.message_id
    assert message.get_content_type() == "multipart/alternative"
    text, html = (part for part in message.iter_parts())
    assert text.get_content_type() == "text/plain" and "RC-TEST-0001" in text.get_content()
    assert html.get_content_type() == "text/html" and '<html lang="de"' in html.get_content()
    notification = reread(notification)
    assert (notification.status, notification.attempts, notification.last_error) == (NotificationStatus.SENT, 1, "")
    assert notification.provider_message_id == notification.message_id


def test_a_server_that_is_down_is_tried_again_with_doubling_pauses_then_given_up(
    smtp_down: SmtpServer, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    notification = queue()
    for attempt, pause in [(1, 60), (2, 120)]:
        before = timezone.now()
        with django_capture_on_commit_callbacks(execute=True):
            assert notification_deliver(notification.pk) == NotificationStatus.QUEUED
        notification = reread(notification)
        assert notification.attempts == attempt and "ConnectionRefusedError" in notification.last_error
        assert notification.next_attempt_at is not None
        assert (
            before + timedelta(seconds=pause)
            <= notification.next_attempt_at
            <= timezone.now() + timedelta(seconds=pause)
        )
        assert pending_deliveries()[-1].run_after == notification.next_attempt_at
    assert notification_deliver(notification.pk) == NotificationStatus.FAILED
    notification = reread(notification)
    assert notification.status == NotificationStatus.FAILED and notification.next_attempt_at is None
    assert "gave up after 3 attempts" in notification.last_error
    assert len(pending_deliveries()) == 2


def test_pauses_double_from_the_base_and_stop_growing_at_the_cap(settings) -> None:
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    assert [retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert retry_delay(30) == retry_delay(500) == timedelta(hours=1)


def test_when_the_server_is_back_the_waiting_message_goes_once(
    smtp_down: SmtpServer, django_capture_on_commit_callbacks
) -> None:
    notification = queue()
    with django_capture_on_commit_callbacks(execute=True):
        notification_deliver(notification.pk)
    assert reread(notification).status == NotificationStatus.QUEUED
    smtp_down.start()
    run_pending_deliveries()
    run_pending_deliveries()  # a task run twice finds nothing left to send
    assert [message["Message-ID"] for message in smtp_down.mailbox.messages] == [notification.message_id]
    assert (reread(notification).status, reread(notification).attempts) == (NotificationStatus.SENT, 2)


def test_a_refused_recipient_fails_at_once_and_the_others_still_go(smtp_server: SmtpServer) -> None:
    smtp_server.mailbox.refused.add("gone@example.org")
    first, refused, last = queue("alice@example.org"), queue("gone@example.org"), queue("bob@example.org")
    results = [notification_deliver(notification.pk) for notification in (first, refused, last)]
    assert results == [NotificationStatus.SENT, NotificationStatus.FAILED, NotificationStatus.SENT]
    refused = reread(refused)
    assert "550" in refused.last_error and refused.attempts == 1 and refused.next_attempt_at is None
    assert [message["To"] for message in smtp_server.mailbox.messages] == ["alice@example.org", "bob@example.org"]


def test_a_broken_template_fails_at_once_without_a_retry(
    smtp_server: SmtpServer, django_capture_on_commit_callbacks
) -> None:
    broken = queue(template="no_such_template")
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_deliver(broken.pk) == NotificationStatus.FAILED
    broken = reread(broken)
    assert "TemplateDoesNotExist" in broken.last_error and broken.attempts == 1
    assert pending_deliveries() == [] and smtp_server.mailbox.messages == []


def crashed_mid_send(notification: Notification, minutes_ago: int = 10, attempts: int = 1) -> None:
    """What a worker that died after claiming the message leaves behind."""
    Notification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENDING,
        attempts=attempts,
        status_changed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_a_message_a_crashed_worker_left_sending_is_sent_exactly_once_after_the_sweep(
    smtp_server: SmtpServer, django_capture_on_commit_callbacks
) -> None:
    stranded, in_progress = queue("alice@example.org"), queue("bob@example.org")
    crashed_mid_send(stranded)
    crashed_mid_send(in_progress, minutes_ago=0)  # another worker is sending this one right now
    with django_capture_on_commit_callbacks(execute=True):
        result = outbox_sweep()
        assert outbox_sweep().requeued == 0
    assert (result.requeued, result.gave_up) == (1, 0)
    assert reread(stranded).status == NotificationStatus.QUEUED
    run_pending_deliveries()
    run_pending_deliveries()
    assert [message["Message-ID"] for message in smtp_server.mailbox.messages] == [stranded.message_id]
    assert (reread(stranded).status, reread(stranded).attempts) == (NotificationStatus.SENT, 2)
    assert reread(in_progress).status == NotificationStatus.SENDING


def test_a_message_stranded_on_its_last_attempt_is_failed_not_sent_again(
    smtp_server: SmtpServer, settings, django_capture_on_commit_callbacks
) -> None:
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notification = queue()
    crashed_mid_send(notification, attempts=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep().gave_up == 1
    run_pending_deliveries()
    assert reread(notification).status == NotificationStatus.FAILED and smtp_server.mailbox.messages == []


def test_the_sweep_hands_the_worker_a_queued_message_whose_task_was_lost(
    smtp_server: SmtpServer, django_capture_on_commit_callbacks
) -> None:
    notification = queue()  # the transaction "commits" without running its on-commit callback: no task
    Notification.objects.filter(pk=notification.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    just_queued = queue("bob@example.org")  # its own task is still coming
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep().dispatched == 1
        assert outbox_sweep().dispatched == 0  # asked once; not again until it is overdue again
    assert [result.args_kwargs["args"] for result in pending_deliveries()] == [[notification.pk]]
    run_pending_deliveries()
    assert [message["To"] for message in smtp_server.mailbox.messages] == ["alice@example.org"]
    assert reread(just_queued).status == NotificationStatus.QUEUED


def test_the_sweep_keeps_one_chain_of_itself_however_often_it_is_started(db, capsys) -> None:
    def waiting_sweeps() -> list[DBTaskResult]:
        return list(DBTaskResult.objects.filter(task_path=notification_sweep.module_path, status="READY"))

    before = timezone.now()
    notification_sweep.call()
    [next_sweep] = waiting_sweeps()
    assert before + timedelta(seconds=60) <= next_sweep.run_after <= timezone.now() + timedelta(seconds=60)
    notification_sweep.call()
    call_command("notifications_sweep")
    assert waiting_sweeps() == [next_sweep]
    assert "a sweep was already scheduled" in capsys.readouterr().out


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_message_send_it_once(smtp_server: SmtpServer) -> None:
    notification = queue()
    start = threading.Barrier(2)

    def worker() -> str:
        try:
            start.wait(timeout=10)
            return notification_deliver(notification.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(lambda _: worker(), range(2)))
    assert results == sorted([NotificationStatus.SENT, "skipped"])
    assert len(smtp_server.mailbox.messages) == 1


def test_one_worker_thread_sends_many_messages_over_one_connection(smtp_server: SmtpServer) -> None:
    notifications = [queue(recipient=f"person{number}@example.org") for number in range(3)]
    for notification in notifications:
        assert notification_deliver(notification.pk) == NotificationStatus.SENT
    assert len(smtp_server.mailbox.messages) == 3
    assert len(set(smtp_server.mailbox.peers)) == 1


def test_a_connection_the_server_dropped_is_opened_again_and_nothing_is_lost(smtp_server: SmtpServer) -> None:
    first, second = queue(recipient="first@example.org"), queue(recipient="second@example.org")
    assert notification_deliver(first.pk) == NotificationStatus.SENT
    smtp_server.stop()  # as a server closing an idle connection would
    smtp_server.start()
    assert notification_deliver(second.pk) == NotificationStatus.SENT
    assert [message["To"] for message in smtp_server.mailbox.messages] == ["first@example.org", "second@example.org"]
    assert len(set(smtp_server.mailbox.peers)) == 2
