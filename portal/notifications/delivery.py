"""Sending one outbox message, trying again later when the mail server could not take it, and recovering what a
stopped worker left behind. The worker calls these; provider reports (delivered, bounced) are in events.py."""

import logging
import smtplib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from anymail.exceptions import AnymailRecipientsRefused
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string

from portal.notifications.models import Channel, Notification, NotificationStatus
from portal.notifications.rendering import render_notification

logger = logging.getLogger(__name__)

# However many attempts are allowed, never wait longer than this between two of them.
RETRY_DELAY_CAP = timedelta(hours=1)
SWEEP_BATCH = 500


def notification_deliver(notification_id: int) -> str:
    """Send a queued message once. Claiming it (queued → sending) in its own transaction, skipping rows another
    worker holds, means two workers never both send it. A mail server that cannot take it now gets it again later,
    with growing pauses; a message that can never go (broken template, recipient refused) fails at once.
    Returns the status it ended in, or "skipped"."""
    notification = _claim(notification_id)
    if notification is None:
        return "skipped"
    if notification.channel == Channel.PORTAL:
        return _finish(notification, NotificationStatus.DELIVERED)
    try:
        email = _compose(notification)
    except Exception as error:  # a fault in the template or its context is the same on every attempt
        return _finish(notification, NotificationStatus.FAILED, error=_describe(error))
    try:
        _send(email)
    except Exception as error:  # any failure of one message is recorded on it; the others still go
        # The address helps whoever reads the log find the row; the log's redaction masks it (portal/log_redaction.py).
        logger.warning(
            "Could not send notification %s to %s: %s", notification.pk, notification.recipient_email, _describe(error)
        )
        if _is_permanent(error):
            return _finish(notification, NotificationStatus.FAILED, error=_describe(error))
        return _retry_later(notification, _describe(error))
    return _finish(notification, NotificationStatus.SENT, provider_message_id=_provider_message_id(email))


class _SmtpSession(threading.local):
    """Each worker thread's SMTP connection, with the mailer settings it was opened for."""

    backend: SmtpBackend | None = None
    options: str = ""


_smtp = _SmtpSession()


def _send(email: EmailMultiAlternatives) -> None:
    """Send over this thread's open SMTP connection: connecting, greeting and logging in cost more than the message
    itself. The connection is checked with NOOP before each use and opened anew when the server dropped it (idle
    timeouts); a message is never sent twice by this. Other backends connect per message, as Django does."""
    backend = mailers.default
    if not isinstance(backend, SmtpBackend):
        email.send()
        return
    options = repr(settings.MAILERS["default"])
    if _smtp.backend is None or _smtp.options != options or not _alive(_smtp.backend):
        if _smtp.backend is not None:
            _smtp.backend.close()
        backend.open()
        _smtp.backend, _smtp.options = backend, options
    try:
        _smtp.backend.send_messages([email])
    except Exception:
        _smtp.backend.close()  # whatever state the session is in, the next message starts a clean one
        _smtp.backend = None
        raise


def _alive(backend: SmtpBackend) -> bool:
    try:
        return backend.connection is not None and backend.connection.noop()[0] == 250
    except (smtplib.SMTPException, OSError):
        return False


def retry_delay(attempts: int, *, base_seconds: int | None = None) -> timedelta:
    """The pause after the `attempts`-th failed attempt: the base (NOTIFICATION_RETRY_BASE_SECONDS unless given),
    then twice that, four times, ... capped. Webhook deliveries back off the same way from their own base."""
    base = settings.NOTIFICATION_RETRY_BASE_SECONDS if base_seconds is None else base_seconds
    seconds = base * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, RETRY_DELAY_CAP.total_seconds()))


def announce_status(notification: Notification) -> None:
    """Let whatever follows this kind of message (NOTIFICATION_STATUS_HOOKS) see its new status, in the same
    transaction: a suspension notice keeps its Notice row in step this way."""
    hook = settings.NOTIFICATION_STATUS_HOOKS.get(notification.template)
    if hook:
        import_string(hook)(notification)


def _claim(notification_id: int) -> Notification | None:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(skip_locked=True)
            .filter(pk=notification_id, status=NotificationStatus.QUEUED)
            .first()
        )
        if notification is None:
            return None
        notification.status = NotificationStatus.SENDING
        notification.attempts += 1
        notification.save(update_fields=["status", "attempts", "status_changed_at"])
    return notification


def _compose(notification: Notification) -> EmailMultiAlternatives:
    rendered = render_notification(notification)
    email = EmailMultiAlternatives(
        subject=rendered.subject,
        body=rendered.text,
        to=[notification.recipient_email],
        headers={"Message-ID": notification.message_id},
    )
    email.attach_alternative(rendered.html, "text/html")
    return email


def _is_permanent(error: Exception) -> bool:
    """A 5xx answer about this message or its recipient will be the same next time. Anything else (connection
    refused, timeout, 4xx, a login or sender problem that fixing the configuration cures) is worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _reply in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return isinstance(error, ValueError | AnymailRecipientsRefused)  # a malformed address, or the provider's "no"


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"


def _provider_message_id(email: EmailMultiAlternatives) -> str:
    """The id the provider's reports will name: its own where an anymail backend returns one, else our Message-ID
    (what reports about mail relayed over SMTP carry)."""
    status = getattr(email, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    if isinstance(message_id, str) and message_id:
        return message_id
    return str(email.extra_headers["Message-ID"])


def _finish(notification: Notification, status: str, *, error: str = "", provider_message_id: str = "") -> str:
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        if row.status not in (NotificationStatus.SENDING, NotificationStatus.QUEUED):
            return row.status  # a provider report about this very message got here first; it knows better
        row.status = status
        row.last_error = error[:2000]
        row.next_attempt_at = None
        if status != NotificationStatus.FAILED:
            row.sent_at = timezone.now()
        if provider_message_id:
            row.provider_message_id = provider_message_id
        row.save(
            update_fields=[
                "status",
                "last_error",
                "next_attempt_at",
                "sent_at",
                "provider_message_id",
                "status_changed_at",
            ]
        )
        announce_status(row)
    return status


def _retry_later(notification: Notification, error: str) -> str:
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        return _finish(
            notification, NotificationStatus.FAILED, error=f"{error} (gave up after {notification.attempts} attempts)"
        )
    when = timezone.now() + retry_delay(notification.attempts)
    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        if row.status != NotificationStatus.SENDING:
            return row.status
        row.status, row.next_attempt_at, row.last_error = NotificationStatus.QUEUED, when, error[:2000]
        row.save(update_fields=["status", "next_attempt_at", "last_error", "status_changed_at"])
        _enqueue_after_commit([row.pk], run_after=when)
    return NotificationStatus.QUEUED


def _enqueue_after_commit(notification_ids: list[int], run_after: datetime | None = None) -> None:
    from portal.notifications.tasks import deliver_notification  # the task module imports this one

    task = deliver_notification.using(run_after=run_after) if run_after else deliver_notification
    for notification_id in notification_ids:
        transaction.on_commit(partial(task.enqueue, notification_id))


@dataclass(frozen=True)
class SweepResult:
    requeued: int  # left in `sending` by a worker that stopped, and queued again
    gave_up: int  # left in `sending` on their last allowed attempt, so failed
    dispatched: int  # queued and due, whose worker task was asked for again


def outbox_sweep(*, batch: int = SWEEP_BATCH) -> SweepResult:
    """Put right what a stopped worker or a lost task left behind, a bounded batch at a time. A message a worker
    was sending when it died may or may not have gone; it is sent again with the same Message-ID, so a copy that
    did arrive is recognisable as the same message."""
    now = timezone.now()
    with transaction.atomic():
        stuck = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=NotificationStatus.SENDING, status_changed_at__lt=now - stuck_after())
            .order_by("status_changed_at")[:batch]
        )
        exhausted = [row for row in stuck if row.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS]
        for row in exhausted:
            try:
                _finish(row, NotificationStatus.FAILED, error="The worker stopped while sending, on the last attempt.")
            except Exception:  # one row whose status hook fails must not stop the sweep for all the others
                logger.exception("Could not mark notification %s failed", row.pk)
        requeued = [row.pk for row in stuck if row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS]
        Notification.objects.filter(pk__in=requeued).update(
            status=NotificationStatus.QUEUED,
            next_attempt_at=now,
            last_error="The worker stopped while sending; queued again.",
            status_changed_at=now,
        )
        overdue = overdue_take(
            Notification.objects.filter(status=NotificationStatus.QUEUED).exclude(pk__in=requeued), now, batch
        )
        _enqueue_after_commit(requeued + overdue)
    return SweepResult(requeued=len(requeued), gave_up=len(exhausted), dispatched=len(overdue))


def stuck_after() -> timedelta:
    """A row still `sending` after this long (OUTBOX_STUCK_AFTER_SECONDS) lost its worker: it is far past any mail
    server timeout, so a slow send is not mistaken for a lost one."""
    return timedelta(seconds=settings.OUTBOX_STUCK_AFTER_SECONDS)


def overdue_take(queued: QuerySet[Any], now: datetime, batch: int) -> list[int]:
    """Of an outbox's queued rows, those whose own worker task has had its chance (due more than
    OUTBOX_OVERDUE_AFTER_SECONDS ago, or never given a time), locked against another sweep; they are made due again
    only after that long once more, so a worker that is merely behind is not asked twice a minute. Returns their
    ids."""
    overdue_after = timedelta(seconds=settings.OUTBOX_OVERDUE_AFTER_SECONDS)
    overdue = list(
        queued.select_for_update(skip_locked=True)
        .filter(Q(next_attempt_at__lte=now - overdue_after) | Q(next_attempt_at__isnull=True))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:batch]
    )
    queued.model.objects.filter(pk__in=overdue).update(next_attempt_at=now)
    return overdue
