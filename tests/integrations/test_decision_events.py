"""Decisions reach the platform: each final decision on a matched appeal becomes one signed `appeal.decided` event
per active endpoint, queued in the decision's transaction and sent by the worker only after it commits."""

import json
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from appeals.bulk import appeals_bulk_decide
from appeals.choices import Category, DecisionAccount
from appeals.models import Appeal, Outcome
from appeals.services import appeal_decide, decision_approve
from portal.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.integrations.services import webhook_endpoint_register, webhook_endpoint_set_active
from tests.factories import make_appeal, make_suspension
from tests.integrations.conftest import (
    PLATFORM_ADMIN,
    Receiver,
    load_verifier,
    run_due_webhook_tasks,
    waiting_webhook_tasks,
)

REASONS = "The posts reported on the group; they did not support it. Your account is restored."


def events(receiver: Receiver) -> list[dict]:
    return [json.loads(request.body) for request in receiver.received]


def test_an_overturn_reaches_the_receiver_signed_and_the_signature_verifies(
    receiver: Receiver, endpoint: WebhookEndpoint, alice_appeal: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)

    assert run_due_webhook_tasks() == [DeliveryStatus.DELIVERED]
    [request] = receiver.received
    load_verifier().verify_webhook(endpoint.secret, request.headers["Recourse-Signature"], request.body)
    delivery = WebhookDelivery.objects.get()
    assert request.path == "/recourse-events"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Recourse-Webhooks/1"
    assert request.headers["Recourse-Event-Id"] == str(delivery.event_id)
    assert request.headers["Recourse-Event-Type"] == "appeal.decided"
    event = json.loads(request.body)
    alice_appeal.refresh_from_db()
    suspension = alice_appeal.suspension
    assert suspension is not None and suspension.reinstated_at is not None
    assert event["id"] == str(delivery.event_id) and event["type"] == "appeal.decided"
    assert event["data"] == {
        "appeal": {"id": alice_appeal.pk, "reference": alice_appeal.reference, "status": "decided"},
        "suspension": {"id": suspension.pk, "puid": suspension.puid, "handle": "alice"},
        "decision": {
            "outcome": "overturned",
            "reasons": REASONS,
            "decided_at": event["data"]["decision"]["decided_at"],
            "approved": False,
            "new_decision_account": None,
            "new_end_date": None,
        },
        "action": "reinstate_account",
    }
    sent_time = datetime.fromisoformat(event["data"]["decision"]["decided_at"])
    assert alice_appeal.decided_at is not None and abs(sent_time - alice_appeal.decided_at) < timedelta(milliseconds=1)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (DeliveryStatus.DELIVERED, 1, 200)
    assert delivery.delivered_at is not None and delivery.next_attempt_at is None
    [attempt] = WebhookAttempt.objects.all()
    assert (attempt.status_code, attempt.error, attempt.response_excerpt) == (200, "", '{"ok": true}')
    assert not attempt.replay


def test_the_worker_is_asked_to_send_only_once_the_decision_commits(
    endpoint: WebhookEndpoint, alice_appeal: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
        assert WebhookDelivery.objects.count() == 1
        assert waiting_webhook_tasks() == []
    [task] = waiting_webhook_tasks()
    assert task.args_kwargs["args"] == [WebhookDelivery.objects.get().pk]
    assert task.priority > 0, "a reversal goes ahead of a wave of mail"


def test_a_decision_that_rolls_back_sends_nothing(
    receiver: Receiver, endpoint: WebhookEndpoint, alice_appeal: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
        raise RuntimeError("something later in the same transaction failed")
    assert not WebhookDelivery.objects.exists() and waiting_webhook_tasks() == []
    assert run_due_webhook_tasks() == [] and receiver.received == []


def test_an_upheld_decision_tells_the_platform_to_do_nothing(
    receiver: Receiver, endpoint: WebhookEndpoint, alice_appeal: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts break rule 4.")
    run_due_webhook_tasks()
    [event] = events(receiver)
    assert (event["data"]["decision"]["outcome"], event["data"]["action"]) == ("upheld", "none")


def test_a_modified_restriction_says_what_it_becomes(
    receiver: Receiver, endpoint: WebhookEndpoint, alice_appeal: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    until = (timezone.now() + timedelta(days=7)).replace(microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(
            appeal=alice_appeal,
            by=rita,
            outcome=Outcome.MODIFIED,
            reasons="Too harsh for a first offence.",
            new_decision_account=DecisionAccount.SUSPENDED,
            new_end_date=until,
        )
    run_due_webhook_tasks()
    [event] = events(receiver)
    assert event["data"]["action"] == "modify_restriction"
    assert event["data"]["decision"]["new_decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert event["data"]["decision"]["new_end_date"] == until.isoformat().replace("+00:00", "Z")


def test_a_sensitive_reversal_is_announced_only_once_a_second_senior_approves(
    receiver: Receiver, endpoint: WebhookEndpoint, rita: User, sam: User, django_capture_on_commit_callbacks
) -> None:
    appeal = make_appeal(make_suspension(category=Category.RISK_FOR_PUBLIC_SECURITY))
    with django_capture_on_commit_callbacks(execute=True):
        decision = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert not WebhookDelivery.objects.exists() and run_due_webhook_tasks() == []

    with django_capture_on_commit_callbacks(execute=True):
        decision_approve(decision=decision, by=sam)
    assert run_due_webhook_tasks() == [DeliveryStatus.DELIVERED]
    [event] = events(receiver)
    assert event["data"]["appeal"]["reference"] == appeal.reference
    assert event["data"]["decision"]["approved"] is True and event["data"]["action"] == "reinstate_account"


def test_a_bulk_reversal_announces_each_appeal_once(
    receiver: Receiver, endpoint: WebhookEndpoint, sam: User, django_capture_on_commit_callbacks
) -> None:
    appeals = [make_appeal() for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        result = appeals_bulk_decide(appeals=appeals, by=sam, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert len(result.done) == 3
    assert run_due_webhook_tasks() == [DeliveryStatus.DELIVERED] * 3
    announced = events(receiver)
    assert sorted(event["data"]["appeal"]["reference"] for event in announced) == sorted(a.reference for a in appeals)
    assert len({event["id"] for event in announced}) == 3
    assert {event["data"]["action"] for event in announced} == {"reinstate_account"}


def test_every_active_endpoint_gets_the_event_and_a_disabled_one_does_not(
    receiver: Receiver, endpoint: WebhookEndpoint, alice_appeal: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    second = webhook_endpoint_register(
        actor=PLATFORM_ADMIN, integration=endpoint.integration, url=receiver.url + "/second"
    )
    retired = webhook_endpoint_register(
        actor=PLATFORM_ADMIN, integration=endpoint.integration, url=receiver.url + "/old"
    )
    webhook_endpoint_set_active(actor=PLATFORM_ADMIN, endpoint=retired, active=False)

    with django_capture_on_commit_callbacks(execute=True):
        appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
    run_due_webhook_tasks()

    deliveries = WebhookDelivery.objects.order_by("endpoint_id")
    assert [delivery.endpoint_id for delivery in deliveries] == [endpoint.pk, second.pk]
    assert len({delivery.event_id for delivery in deliveries}) == 1, "receivers deduplicate on the event id"
    assert sorted(request.path for request in receiver.received) == ["/recourse-events", "/recourse-events/second"]
    verify = load_verifier().verify_webhook
    for request, secret in zip(
        sorted(receiver.received, key=lambda r: r.path), [endpoint.secret, second.secret], strict=True
    ):
        verify(secret, request.headers["Recourse-Signature"], request.body)


def test_without_endpoints_a_decision_queues_nothing(alice_appeal: Appeal, rita: User) -> None:
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert not WebhookDelivery.objects.exists()
