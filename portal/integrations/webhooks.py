"""Events for the platform: queued as one WebhookDelivery per active endpoint in the transaction of the change they
announce, POSTed and signed by the worker after commit, retried with growing pauses until the receiver answers 2xx,
and recovered by the minute sweep when a worker stopped half-way."""

import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from portal.integrations.egress import PublicHTTPHandler, PublicHTTPSHandler
from portal.integrations.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from portal.integrations.signing import SIGNATURE_HEADER, signature_header
from portal.notifications.delivery import SweepResult, overdue_take, retry_delay, stuck_after

USER_AGENT = "Recourse-Webhooks/1"
EXCERPT_CHARS = 500
SWEEP_BATCH = 500
LOST_IN_SENDING = "The worker stopped while sending; whether the receiver got it is unknown."


def webhook_event_queue(*, event_type: str, data: dict[str, Any]) -> list[WebhookDelivery]:
    """Announce an event to every active endpoint. Call it inside the transaction of the change it announces: the
    deliveries exist only if the change commits, and the worker is asked to send them only then."""
    event_id = uuid.uuid4()
    now = timezone.now()
    envelope = {"id": str(event_id), "type": event_type, "created_at": now, "data": data}
    payload = json.loads(json.dumps(envelope, cls=DjangoJSONEncoder))  # stored exactly as it will be sent
    deliveries = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(
            endpoint=endpoint, event_id=event_id, event_type=event_type, payload=payload, next_attempt_at=now
        )
        for endpoint in WebhookEndpoint.objects.filter(active=True).order_by("pk")
    )
    webhook_dispatch_after_commit([delivery.pk for delivery in deliveries])
    return deliveries


def webhook_body(payload: dict[str, Any]) -> bytes:
    """The bytes sent and signed: the same on every attempt, whatever order the database keeps the keys in."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


def webhook_dispatch_after_commit(delivery_ids: list[int], run_after: datetime | None = None) -> None:
    from portal.integrations.tasks import deliver_webhook  # the task module imports this one

    task = deliver_webhook.using(run_after=run_after) if run_after else deliver_webhook
    for delivery_id in delivery_ids:
        transaction.on_commit(partial(task.enqueue, delivery_id))


def webhook_deliver(delivery_id: int) -> str:
    """POST a queued, due delivery once. Claiming it (queued → sending) in its own transaction, skipping rows another
    worker holds, means two workers never both send it; the request itself runs outside any transaction.
    Returns the status it ended in, or "skipped"."""
    claimed = _claim(delivery_id)
    if claimed is None:
        return "skipped"
    delivery, replay = claimed
    return _record(delivery, _post(delivery), replay=replay)


@dataclass(frozen=True)
class Answer:
    status_code: int | None  # None when no HTTP answer came at all
    error: str
    excerpt: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _claim(delivery_id: int) -> tuple[WebhookDelivery, bool] | None:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint")
            .filter(pk=delivery_id, status=DeliveryStatus.QUEUED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .first()
        )
        if delivery is None:
            return None
        if not delivery.endpoint.active:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            delivery.last_error = "The endpoint was disabled before this was sent."
            delivery.save(update_fields=["status", "next_attempt_at", "last_error", "status_changed_at"])
            return None
        replay = delivery.replay_pending
        delivery.status, delivery.replay_pending = DeliveryStatus.SENDING, False
        delivery.attempts += 1
        delivery.save(update_fields=["status", "replay_pending", "attempts", "status_changed_at"])
    return delivery, replay


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is recorded as the failure it is: the event must reach the URL the integration registered."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No proxy from the environment: the address check must see the endpoint itself, not a proxy in front of it.
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), PublicHTTPHandler, PublicHTTPSHandler, _RefuseRedirects
)


def _post(delivery: WebhookDelivery) -> Answer:
    body = webhook_body(delivery.payload)
    # Signed at each attempt, so a retry an hour later still falls inside the receiver's replay window.
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Recourse-Event-Id": str(delivery.event_id),
        "Recourse-Event-Type": delivery.event_type,
        SIGNATURE_HEADER: signature_header(delivery.endpoint.secret, body, int(time.time())),
    }
    request = urllib.request.Request(delivery.endpoint.url, data=body, headers=headers, method="POST")
    started = time.monotonic()
    try:
        with _opener.open(request, timeout=settings.WEBHOOK_TIMEOUT_SECONDS) as response:
            return Answer(response.status, "", _excerpt(response), _since(started))
    except urllib.error.HTTPError as error:  # an answer, but not a 2xx one
        with error:
            return Answer(error.code, _http_error(error.code), _excerpt(error), _since(started))
    except (OSError, http.client.HTTPException, ValueError) as error:  # refused, timed out, TLS, garbled answer
        return Answer(None, _describe(error), "", _since(started))


def _excerpt(response: Any) -> str:
    try:
        return str(response.read(EXCERPT_CHARS * 4).decode("utf-8", "replace")[:EXCERPT_CHARS])
    except (OSError, http.client.HTTPException):  # the status is what counts; a body cut short changes nothing
        return ""


def _http_error(code: int) -> str:
    if 300 <= code < 400:
        return f"HTTP {code}: redirects are not followed; register the final URL."
    return f"HTTP {code}"


def _describe(error: Exception) -> str:
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    return f"{type(reason).__name__}: {reason}"


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _record(delivery: WebhookDelivery, answer: Answer, *, replay: bool) -> str:
    now = timezone.now()
    with transaction.atomic():
        row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
        WebhookAttempt.objects.create(
            delivery=row,
            status_code=answer.status_code,
            error=answer.error,
            response_excerpt=answer.excerpt,
            duration_ms=answer.duration_ms,
            replay=replay,
        )
        row.last_status_code, row.last_error = answer.status_code, answer.error
        if answer.succeeded:  # even if the sweep meanwhile thought it lost: it arrived
            row.status, row.delivered_at, row.next_attempt_at = DeliveryStatus.DELIVERED, now, None
        elif row.status == DeliveryStatus.SENDING:
            _after_failure(row, now, replay=replay)
        row.save(
            update_fields=[
                "status",
                "delivered_at",
                "next_attempt_at",
                "last_status_code",
                "last_error",
                "status_changed_at",
            ]
        )
    return row.status


def _after_failure(row: WebhookDelivery, now: datetime, *, replay: bool) -> None:
    """Try again after a pause that doubles each time, until the attempts run out. A replay staff asked for is one
    attempt: its outcome is there for them to see, and they may ask again."""
    if replay:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
        row.last_error += " (a replay is tried once)"
    elif row.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        row.status, row.next_attempt_at = DeliveryStatus.FAILED, None
        row.last_error += f" (gave up after {row.attempts} attempts)"
    else:
        row.status = DeliveryStatus.QUEUED
        row.next_attempt_at = now + retry_delay(row.attempts, base_seconds=settings.WEBHOOK_RETRY_BASE_SECONDS)
        webhook_dispatch_after_commit([row.pk], run_after=row.next_attempt_at)


def webhook_sweep(*, batch: int = SWEEP_BATCH) -> SweepResult:
    """Put right what a stopped worker or a lost task left behind, a bounded batch at a time. A delivery a worker was
    sending when it died may or may not have arrived; it is sent again with the same event id, which receivers
    deduplicate on."""
    now = timezone.now()
    # A row still `sending` this long after its request timed out lost its worker.
    lost_before = now - timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS) - stuck_after()
    with transaction.atomic():
        stuck = list(
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .filter(status=DeliveryStatus.SENDING, status_changed_at__lt=lost_before)
            .order_by("status_changed_at")[:batch]
        )
        WebhookAttempt.objects.bulk_create(WebhookAttempt(delivery=row, error=LOST_IN_SENDING) for row in stuck)
        exhausted = [row.pk for row in stuck if row.attempts >= settings.WEBHOOK_MAX_ATTEMPTS]
        requeued = [row.pk for row in stuck if row.attempts < settings.WEBHOOK_MAX_ATTEMPTS]
        WebhookDelivery.objects.filter(pk__in=exhausted).update(
            status=DeliveryStatus.FAILED, next_attempt_at=None, last_error=LOST_IN_SENDING, status_changed_at=now
        )
        WebhookDelivery.objects.filter(pk__in=requeued).update(
            status=DeliveryStatus.QUEUED, next_attempt_at=now, last_error=LOST_IN_SENDING, status_changed_at=now
        )
        overdue = overdue_take(
            WebhookDelivery.objects.filter(status=DeliveryStatus.QUEUED).exclude(pk__in=requeued), now, batch
        )
        webhook_dispatch_after_commit(requeued + overdue)
    return SweepResult(requeued=len(requeued), gave_up=len(exhausted), dispatched=len(overdue))
