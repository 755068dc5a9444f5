"""The outbox against the faults of the world outside: the mail server and the platform's receiver down for a long
while, and the worker killed with SIGKILL in the middle of a batch. Afterwards every message and every webhook has
arrived; a message is sent twice only when the worker died between handing it over and writing that down."""

import io
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

from portal.audit.actors import Actor
from portal.integrations.models import DeliveryStatus, Integration, WebhookAttempt, WebhookDelivery
from portal.integrations.services import integration_save, webhook_endpoint_register
from portal.integrations.webhooks import webhook_event_queue
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_queue
from tests.integrations.conftest import Receiver
from tests.notifications.conftest import SmtpServer
from tests.slow.conftest import (
    OVERDUE_SECONDS,
    STUCK_SECONDS,
    Process,
    app_env,
    event_ids_received,
    figure,
    message_ids_received,
    outbox_env,
    this_database_url,
    wait_until,
    worker,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Down until every message has failed this often. The pauses between attempts double from a base cut to 1 s here;
# with the production bases (60 s for mail, 30 s for webhooks) the same attempts span 1+2+4 = 7 minutes for mail
# and 3.5 for webhooks, and the next one comes 8 (4) minutes later.
FAILURES_DURING_OUTAGE = 4


@pytest.fixture(autouse=True)
def _local_receiver(settings) -> None:
    """The receiver is plain HTTP on this machine, which production refuses; the sweeps run here read the cut-down
    stuck and overdue times the worker has."""
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE = True
    settings.OUTBOX_STUCK_AFTER_SECONDS = STUCK_SECONDS
    settings.OUTBOX_OVERDUE_AFTER_SECONDS = OVERDUE_SECONDS


def queue_messages_and_events(receiver: Receiver, *, messages: int, events: int) -> None:
    """What a busy minute leaves in the outbox: confirmations to appellants and decision events for the platform."""
    platform = integration_save(actor=Actor.system("tests"), integration=Integration(name="Example platform"))
    webhook_endpoint_register(actor=Actor.system("tests"), integration=platform, url=receiver.url)
    with transaction.atomic():
        for number in range(messages):
            context = {"reference": f"RC-LOAD-{number:04}", "handle": f"person{number}"}
            notification_queue(
                template="appeal_received", recipient_email=f"person{number}@example.org", context=context
            )
        for number in range(events):
            webhook_event_queue(event_type="appeal.decided", data={"reference": f"RC-LOAD-{number:04}"})


def all_sent() -> bool:
    return not Notification.objects.exclude(status=NotificationStatus.SENT).exists()


def all_delivered() -> bool:
    return not WebhookDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists()


@pytest.fixture
def outbox_worker(tmp_path: Path, mail_server: SmtpServer) -> Iterator[Process]:
    process = worker(app_env(tmp_path, this_database_url(), **outbox_env(mail_server)), tmp_path)
    yield process
    process.stop()


def test_mail_server_and_receiver_down_for_a_long_while_then_everything_arrives_once(
    mail_server: SmtpServer, receiver: Receiver, outbox_worker: Process
) -> None:
    messages, events = 40, 20
    receiver.answers[:] = [503] * 100_000  # the platform's receiver answers errors until it is "up" again
    queue_messages_and_events(receiver, messages=messages, events=events)
    outbox_worker.start()
    started = time.monotonic()

    def failed_often_enough() -> bool:
        mail = Notification.objects.filter(attempts__lt=FAILURES_DURING_OUTAGE).exists()
        hooks = WebhookDelivery.objects.filter(attempts__lt=FAILURES_DURING_OUTAGE).exists()
        return not mail and not hooks

    wait_until("every message and event failing again and again", failed_often_enough, seconds=120)
    assert Notification.objects.filter(status=NotificationStatus.QUEUED).count() == messages  # none given up
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.QUEUED).count() == events
    outage = time.monotonic() - started
    mail_server.start()
    receiver.answers.clear()
    drained = wait_until("everything sent after the outage", lambda: all_sent() and all_delivered(), seconds=120)

    assert message_ids_received(mail_server) == Counter(Notification.objects.values_list("message_id", flat=True))
    successes = WebhookAttempt.objects.filter(status_code=200)
    assert Counter(successes.values_list("delivery_id", flat=True)) == Counter(
        WebhookDelivery.objects.values_list("pk", flat=True)
    )
    assert sum(event_ids_received(receiver).values()) == WebhookAttempt.objects.count()
    attempts = Counter(Notification.objects.values_list("attempts", flat=True))
    figure(
        f"OUTAGE: {messages} messages and {events} webhook events, mail server and receiver down {outage:.1f} s "
        f"(every one failed {FAILURES_DURING_OUTAGE}+ times); all arrived once, {drained:.1f} s after both came back; "
        f"mail attempts per message {dict(sorted(attempts.items()))}, webhook attempts {WebhookAttempt.objects.count()}"
    )


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_what_it_was_holding(
    mail_server: SmtpServer, receiver: Receiver, outbox_worker: Process, tmp_path: Path
) -> None:
    messages, events = 200, 50
    mail_server.start()
    queue_messages_and_events(receiver, messages=messages, events=events)
    outbox_worker.start()
    wait_until("some messages sent", lambda: len(mail_server.mailbox.messages) >= 60, seconds=120, every=0.02)
    outbox_worker.kill()
    sent_before_kill = len(mail_server.mailbox.messages)
    posted_before_kill = len(receiver.received)
    assert sent_before_kill < messages  # killed mid-batch

    restarted = worker(outbox_worker.env, tmp_path).start()
    try:

        def recovered() -> bool:
            # The sweep the worker runs each minute, run here as often as the cut-down stuck time allows.
            call_command("notifications_sweep", stdout=io.StringIO())
            return all_sent() and all_delivered()

        recovery = wait_until("everything sent after the kill", recovered, seconds=120, every=STUCK_SECONDS)
    finally:
        restarted.stop()

    mails, posts = message_ids_received(mail_server), event_ids_received(receiver)
    assert set(mails) == set(Notification.objects.values_list("message_id", flat=True))  # none lost
    assert set(posts) == {str(event) for event in WebhookDelivery.objects.values_list("event_id", flat=True)}
    duplicates = (sum(mails.values()) - len(mails)) + (sum(posts.values()) - len(posts))
    assert duplicates <= 1  # the worker runs one task at a time: only the one in its hands can go twice
    figure(
        f"SIGKILL: {messages} messages and {events} webhook events queued; worker killed after {sent_before_kill} "
        f"mails and {posted_before_kill} webhook posts; a new worker and the sweep delivered the rest in "
        f"{recovery:.1f} s; none lost, {duplicates} sent twice"
    )
