"""What Recourse tells account holders of its own accord: the notice of a suspension, whose delivery decides when
their appeal window opens, and a reminder before a reply-by date runs out."""

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealStatus, Message, Notice, NoticeStatus, Suspension
from appeals.suspensions import notice_record, notice_update_status
from portal.audit.actors import Actor
from portal.audit.services import audit_record
from portal.notifications.models import Notification, NotificationStatus
from portal.notifications.services import notification_queue
from portal.rules import RuleViolation

SUSPENSION_NOTICE = "suspension_notice"
REPLY_REMINDER = "reply_reminder"
REMIND_BEFORE = timedelta(days=2)
OUTBOX = Actor.system("outbox")
# The outbox statuses that say something about whether the person got the notice; queued and sending do not.
NOTICE_STATUSES = {
    NotificationStatus.SENT: NoticeStatus.SENT,
    NotificationStatus.DELIVERED: NoticeStatus.DELIVERED,
    NotificationStatus.BOUNCED: NoticeStatus.BOUNCED,
    NotificationStatus.FAILED: NoticeStatus.FAILED,
}


@transaction.atomic
def suspension_notice_send(*, suspension: Suspension, actor: Actor) -> Notification:
    """Tell the account holder about their suspension at the address on file. Its Notice row appears when the mail
    goes out (or finally fails) and then follows the provider's reports, through notice_follow_notification."""
    if not suspension.account_email:
        raise RuleViolation(_("There is no email address on file for this account."), code="no_address")
    notification = notification_queue(
        template=SUSPENSION_NOTICE,
        recipient_email=suspension.account_email,
        context={"handle": suspension.handle},
        related=suspension,
    )
    audit_record(actor=actor, action="notice.queued", target=suspension, data={"notification": notification.pk})
    return notification


def notice_follow_notification(notification: Notification) -> None:
    """Keep the Notice row of a suspension notice in step with its outbox row: one Notice per message Recourse
    sent, `sent` first, then `delivered` or `bounced` as the provider reports. Called (NOTIFICATION_STATUS_HOOKS)
    in the transaction of each status change."""
    status = NOTICE_STATUSES.get(NotificationStatus(notification.status))
    suspension = _suspension_of(notification)
    if status is None or suspension is None:
        return
    notice = _notice_of(notification, suspension)
    if notice is None:
        notice_record(
            actor=OUTBOX,
            suspension=suspension,
            channel=Notice.Channel.EMAIL,
            address=notification.recipient_email,
            status=status,
            sent_at=notification.created_at,
            status_at=timezone.now(),
            detail=notification.last_error[:500],
            sent_by_recourse=True,
        )
    elif notice.status != status:
        notice_update_status(actor=OUTBOX, notice=notice, status=status, detail=notification.last_error)


def _suspension_of(notification: Notification) -> Suspension | None:
    suspensions = ContentType.objects.get_for_model(Suspension)
    if notification.related_id is None or notification.related_type_id != suspensions.pk:
        return None
    return Suspension.objects.filter(pk=notification.related_id).first()


def _notice_of(notification: Notification, suspension: Suspension) -> Notice | None:
    """The Notice recorded for this message: sent by Recourse to the same address, and dated when Recourse issued
    it (the outbox row's created_at, which unlike the moment of sending never changes, so it ties the two)."""
    return (
        suspension.notices.filter(
            sent_by_recourse=True,
            channel=Notice.Channel.EMAIL,
            address=notification.recipient_email,
            sent_at=notification.created_at,
        )
        .order_by("-pk")
        .first()
    )


def reply_reminder_due(*, asked_at: datetime, reply_by: datetime) -> datetime:
    """Two days before the reply-by date, but never in the first half of the time given: a short window gets its
    reminder halfway through."""
    return max(reply_by - REMIND_BEFORE, asked_at + (reply_by - asked_at) / 2)


def reply_reminder_schedule(*, message: Message) -> datetime:
    """Call in the transaction of a request for information: once it commits, a task waits until the reminder is
    due, then decides whether one is still needed. Returns when that is."""
    assert message.reply_by is not None, "only a request for information has a reply-by date"
    when = reply_reminder_due(asked_at=message.created_at, reply_by=message.reply_by)
    transaction.on_commit(lambda: remind_to_reply.using(run_after=when).enqueue(message.pk))
    return when


@task()
def remind_to_reply(message_id: int) -> bool:
    return reply_reminder_queue(message_id=message_id) is not None


@transaction.atomic
def reply_reminder_queue(*, message_id: int) -> Notification | None:
    """Remind the appellant of an open question, unless they have answered it, it was replaced by a newer one, its
    date has passed, or they were reminded already. Returns the reminder queued, if any."""
    message = Message.objects.filter(pk=message_id, reply_by__isnull=False).first()
    if message is None or message.reply_by is None or message.reply_by <= timezone.now():
        return None
    appeal = Appeal.objects.select_for_update().get(pk=message.appeal_id)
    if appeal.status != AppealStatus.INFO_REQUESTED or _open_question_id(appeal) != message.pk:
        return None
    reminded = Notification.objects.filter(
        template=REPLY_REMINDER,
        related_type=ContentType.objects.get_for_model(Appeal),
        related_id=appeal.pk,
        context__question=message.pk,
    )
    if reminded.exists():
        return None
    notification = notification_queue(
        template=REPLY_REMINDER,
        recipient_email=appeal.contact_email,
        language=appeal.language,
        context={
            "reference": appeal.reference,
            "handle": appeal.handle,
            "reply_by": message.reply_by,
            "question": message.pk,
        },
        related=appeal,
    )
    audit_record(
        actor=Actor.system("reply reminder"),
        action="appeal.reply_reminded",
        target=appeal,
        data={"message": message.pk, "reply_by": message.reply_by},
    )
    return notification


def _open_question_id(appeal: Appeal) -> int | None:
    latest = appeal.messages.filter(reply_by__isnull=False).order_by("-created_at", "-pk").first()
    return latest.pk if latest else None
