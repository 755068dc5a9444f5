"""A reminder before the reply-by date of a request for information, sent only while the question is still open."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from appeals.models import Appeal, Message
from appeals.notices import remind_to_reply, reply_reminder_due
from appeals.services import appeal_answer, appeal_claim, appeal_request_info
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.notifications.rendering import render_notification

ASKED = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)


def reminders() -> list[Notification]:
    return list(Notification.objects.filter(template="reply_reminder").order_by("pk"))


def ask(appeal: Appeal, by: User, reply_by: datetime, capture) -> Message:
    with capture(execute=True):
        return appeal_request_info(appeal=appeal, by=by, body="Can you link the original post?", reply_by=reply_by)


@pytest.fixture
def held(alice_appeal: Appeal, rita: User) -> Appeal:
    appeal_claim(appeal=alice_appeal, by=rita)
    return alice_appeal


def test_the_reminder_is_due_two_days_before_the_reply_by_date() -> None:
    assert reply_reminder_due(asked_at=ASKED, reply_by=ASKED + timedelta(days=7)) == ASKED + timedelta(days=5)


def test_a_short_window_gets_its_reminder_halfway() -> None:
    assert reply_reminder_due(asked_at=ASKED, reply_by=ASKED + timedelta(days=3)) == ASKED + timedelta(hours=36)


def test_asking_for_information_schedules_the_reminder_for_when_it_is_due(
    held: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    reply_by = timezone.now() + timedelta(days=7)
    message = ask(held, rita, reply_by, django_capture_on_commit_callbacks)
    task = DBTaskResult.objects.get(task_path=remind_to_reply.module_path)
    assert task.args_kwargs["args"] == [message.pk]
    assert task.run_after == reply_reminder_due(asked_at=message.created_at, reply_by=reply_by)
    assert task.run_after == reply_by - timedelta(days=2)


def test_an_unanswered_question_gets_one_reminder_in_the_appellants_language(
    held: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    Appeal.objects.filter(pk=held.pk).update(language="de")
    reply_by = timezone.now() + timedelta(days=7)
    message = ask(held, rita, reply_by, django_capture_on_commit_callbacks)
    assert remind_to_reply.call(message.pk) is True
    assert remind_to_reply.call(message.pk) is False  # not twice
    [reminder] = reminders()
    assert reminder.recipient_email == held.contact_email and reminder.language == "de"
    assert reminder.context["reference"] == held.reference and reminder.context["handle"] == held.handle
    reminder.refresh_from_db()
    rendered = render_notification(reminder)
    assert held.reference in rendered.subject and '<html lang="de"' in rendered.html
    assert reply_by.strftime("%Y") in rendered.text and "UTC" in rendered.text
    assert AuditEvent.objects.filter(action="appeal.reply_reminded").count() == 1


def test_no_reminder_once_the_appellant_has_answered(
    held: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    message = ask(held, rita, timezone.now() + timedelta(days=7), django_capture_on_commit_callbacks)
    appeal_answer(appeal=held, body="Here it is: the post quoted the slogan to debunk it.")
    assert remind_to_reply.call(message.pk) is False
    assert reminders() == []


def test_a_replaced_question_is_not_reminded_only_the_new_one(
    held: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    first = ask(held, rita, timezone.now() + timedelta(days=7), django_capture_on_commit_callbacks)
    appeal_answer(appeal=held, body="Which post do you mean?")
    second = ask(held, rita, timezone.now() + timedelta(days=5), django_capture_on_commit_callbacks)
    assert remind_to_reply.call(first.pk) is False
    assert remind_to_reply.call(second.pk) is True
    assert [reminder.context["question"] for reminder in reminders()] == [second.pk]


def test_no_reminder_after_the_reply_by_date_has_passed(
    held: Appeal, rita: User, django_capture_on_commit_callbacks
) -> None:
    message = ask(held, rita, timezone.now() + timedelta(days=1), django_capture_on_commit_callbacks)
    Message.objects.filter(pk=message.pk).update(reply_by=timezone.now() - timedelta(minutes=1))
    assert remind_to_reply.call(message.pk) is False
