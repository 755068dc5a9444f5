"""Sending to a real receiver on a local port: what it gets, what happens when it fails or does not answer, and how
the sweep recovers what a stopped worker left behind."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from portal.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.integrations.services import webhook_endpoint_register, webhook_endpoint_set_active
from portal.integrations.webhooks import LOST_IN_SENDING, webhook_deliver, webhook_event_queue, webhook_sweep
from portal.notifications.delivery import retry_delay
from portal.notifications.tasks import notification_sweep
from tests.integrations.conftest import (
    PLATFORM_ADMIN,
    Receiver,
    let_the_pause_pass,
    load_verifier,
    run_due_webhook_tasks,
    waiting_webhook_tasks,
)
from tests.network import HOST, free_port


@pytest.fixture
def announce(django_capture_on_commit_callbacks):
    """Queue one event as a decision would, with its tasks enqueued as after a commit."""

    def queue() -> WebhookDelivery:
        with django_capture_on_commit_callbacks(execute=True):
            [delivery] = webhook_event_queue(event_type="appeal.decided", data={"action": "reinstate_account"})
        return delivery

    return queue


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """Run the due delivery tasks, with the retries they queue enqueued as after a commit."""

    def run() -> list[str]:
        with django_capture_on_commit_callbacks(execute=True):
            return run_due_webhook_tasks()

    return run


def reread(delivery: WebhookDelivery) -> WebhookDelivery:
    delivery.refresh_from_db()
    return delivery


def attempts(delivery: WebhookDelivery) -> list[tuple[int | None, str]]:
    return [(attempt.status_code, attempt.error) for attempt in WebhookAttempt.objects.filter(delivery=delivery)]


def test_a_receiver_answering_500_is_tried_again_after_a_pause_with_the_same_event(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker, settings
) -> None:
    settings.WEBHOOK_RETRY_BASE_SECONDS = 30
    receiver.answers = [500]
    before = timezone.now()
    delivery = announce()

    assert worker() == [DeliveryStatus.QUEUED]
    delivery = reread(delivery)
    assert (delivery.attempts, delivery.last_status_code, delivery.last_error) == (1, 500, "HTTP 500")
    assert delivery.next_attempt_at is not None
    assert before + timedelta(seconds=30) <= delivery.next_attempt_at <= timezone.now() + timedelta(seconds=30)
    assert waiting_webhook_tasks()[-1].run_after == delivery.next_attempt_at
    [failed] = WebhookAttempt.objects.all()
    assert failed.response_excerpt == "Receiver trouble: database is down" and failed.duration_ms >= 0
    assert worker() == [], "nothing is sent again before the pause is over"

    let_the_pause_pass(delivery)
    assert worker() == [DeliveryStatus.DELIVERED]
    delivery = reread(delivery)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 2, 200)
    assert attempts(delivery) == [(500, "HTTP 500"), (200, "")]
    first, second = receiver.received
    assert first.body == second.body
    assert first.headers["Recourse-Event-Id"] == second.headers["Recourse-Event-Id"] == str(delivery.event_id)
    for request in (first, second):
        load_verifier().verify_webhook(endpoint.secret, request.headers["Recourse-Signature"], request.body)


def test_a_receiver_that_is_down_is_tried_again(platform, announce, worker) -> None:
    webhook_endpoint_register(actor=PLATFORM_ADMIN, integration=platform, url=f"http://{HOST}:{free_port()}/hook")
    delivery = announce()
    assert worker() == [DeliveryStatus.QUEUED]
    delivery = reread(delivery)
    assert delivery.last_status_code is None and "ConnectionRefusedError" in delivery.last_error
    [(status_code, error)] = attempts(delivery)
    assert status_code is None and "ConnectionRefusedError" in error


def test_an_endpoint_on_a_private_address_is_not_contacted(
    settings, receiver: Receiver, endpoint: WebhookEndpoint, announce, worker
) -> None:
    """Registered while allowed (or through a name that later resolves to loopback): the worker still refuses."""
    settings.WEBHOOK_ALLOW_PRIVATE = False
    delivery = announce()
    assert worker() == [DeliveryStatus.QUEUED]
    assert receiver.received == []
    [(status_code, error)] = attempts(delivery)
    assert status_code is None
    assert error == f"PrivateAddressRefused: {HOST} resolves to {HOST}, which is not a public internet address"


def test_a_name_resolving_to_loopback_is_refused_where_the_connection_is_made(
    settings, platform, receiver: Receiver, announce, worker
) -> None:
    webhook_endpoint_register(actor=PLATFORM_ADMIN, integration=platform, url=receiver.url.replace(HOST, "localhost"))
    settings.WEBHOOK_ALLOW_PRIVATE = False
    delivery = announce()
    worker()
    assert receiver.received == []
    [(_, error)] = attempts(delivery)
    assert error.startswith("PrivateAddressRefused: localhost resolves to ")


def test_a_receiver_that_does_not_answer_in_time_is_tried_again(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker, settings
) -> None:
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    receiver.answers = [None]  # holds the request and never answers
    delivery = announce()
    assert worker() == [DeliveryStatus.QUEUED]
    delivery = reread(delivery)
    assert delivery.last_status_code is None and "timed out" in delivery.last_error
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > timezone.now()


def test_a_redirect_is_not_followed_and_counts_as_a_failure(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker
) -> None:
    receiver.answers = [302]
    receiver.location = receiver.url + "/moved"
    delivery = announce()
    assert worker() == [DeliveryStatus.QUEUED]
    assert [request.path for request in receiver.received] == ["/recourse-events"]
    delivery = reread(delivery)
    assert delivery.last_status_code == 302 and "redirects are not followed" in delivery.last_error


def test_after_the_last_allowed_attempt_the_delivery_fails_for_good(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker, settings
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    receiver.answers = [503, 503, 200]
    delivery = announce()
    assert worker() == [DeliveryStatus.QUEUED]
    let_the_pause_pass(delivery)
    assert worker() == [DeliveryStatus.FAILED]
    delivery = reread(delivery)
    assert delivery.next_attempt_at is None and delivery.last_error == "HTTP 503 (gave up after 2 attempts)"
    assert worker() == [] and len(receiver.received) == 2


def test_pauses_double_from_the_webhook_base_and_stop_growing_at_an_hour() -> None:
    assert [retry_delay(n, base_seconds=30).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(8, base_seconds=30) == retry_delay(500, base_seconds=30) == timedelta(hours=1)


def test_a_delivery_runs_once_however_often_its_task_runs(
    receiver: Receiver, endpoint: WebhookEndpoint, announce
) -> None:
    delivery = announce()
    assert webhook_deliver(delivery.pk) == DeliveryStatus.DELIVERED
    assert webhook_deliver(delivery.pk) == "skipped"
    assert len(receiver.received) == 1


def test_an_endpoint_disabled_before_sending_gets_nothing(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker
) -> None:
    delivery = announce()
    webhook_endpoint_set_active(actor=PLATFORM_ADMIN, endpoint=endpoint, active=False)
    assert worker() == ["skipped"]
    delivery = reread(delivery)
    assert delivery.status == DeliveryStatus.FAILED and "disabled" in delivery.last_error
    assert receiver.received == [] and attempts(delivery) == []


def test_the_sweep_sends_again_what_a_stopped_worker_left_sending(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker, django_capture_on_commit_callbacks, settings
) -> None:
    settings.WEBHOOK_MAX_ATTEMPTS = 3
    lost, last_chance = announce(), announce()
    long_ago = timezone.now() - timedelta(minutes=10)
    WebhookDelivery.objects.filter(pk=lost.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, status_changed_at=long_ago
    )
    WebhookDelivery.objects.filter(pk=last_chance.pk).update(
        status=DeliveryStatus.SENDING, attempts=3, status_changed_at=long_ago
    )
    for task in waiting_webhook_tasks():
        task.delete()  # the stopped worker had taken them

    with django_capture_on_commit_callbacks(execute=True):
        result = webhook_sweep()

    assert (result.requeued, result.gave_up, result.dispatched) == (1, 1, 0)
    assert attempts(lost) == attempts(last_chance) == [(None, LOST_IN_SENDING)]
    assert reread(last_chance).status == DeliveryStatus.FAILED
    assert worker() == [DeliveryStatus.DELIVERED]
    assert (reread(lost).status, reread(lost).attempts) == (DeliveryStatus.DELIVERED, 2)


def test_the_sweep_asks_again_for_a_queued_delivery_whose_task_was_lost(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, worker, django_capture_on_commit_callbacks
) -> None:
    overdue, fresh = announce(), announce()
    WebhookDelivery.objects.filter(pk=overdue.pk).update(next_attempt_at=timezone.now() - timedelta(minutes=5))
    for task in waiting_webhook_tasks():
        task.delete()

    with django_capture_on_commit_callbacks(execute=True):
        result = webhook_sweep()

    assert (result.requeued, result.gave_up, result.dispatched) == (0, 0, 1)
    assert worker() == [DeliveryStatus.DELIVERED]
    assert reread(overdue).status == DeliveryStatus.DELIVERED and reread(fresh).status == DeliveryStatus.QUEUED


def test_the_minute_sweep_recovers_webhook_deliveries_too(
    receiver: Receiver, endpoint: WebhookEndpoint, announce, django_capture_on_commit_callbacks
) -> None:
    delivery = announce()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENDING, attempts=1, status_changed_at=timezone.now() - timedelta(minutes=10)
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = notification_sweep.call()
    assert result["webhooks"] == {"requeued": 1, "gave_up": 0, "dispatched": 0}
    assert reread(delivery).status == DeliveryStatus.QUEUED


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_delivery_send_it_once(receiver: Receiver, endpoint: WebhookEndpoint) -> None:
    [delivery] = webhook_event_queue(event_type="appeal.decided", data={"action": "reinstate_account"})
    start = threading.Barrier(2)

    def race() -> str:
        try:
            start.wait(timeout=10)
            return webhook_deliver(delivery.pk)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = sorted(pool.map(lambda _: race(), range(2)))
    assert results == sorted([DeliveryStatus.DELIVERED, "skipped"])
    assert len(receiver.received) == 1
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 1
