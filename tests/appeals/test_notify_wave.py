"""manage.py notify_wave: Recourse's own notice for everyone in a wave nobody has told yet, once."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from appeals.models import NoticeStatus, Suspension, Wave
from appeals.notices import SUSPENSION_NOTICE, suspension_notice_send
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.notifications.delivery import announce_status, notification_deliver
from portal.notifications.models import Notification, NotificationStatus
from tests.factories import make_suspension

pytestmark = pytest.mark.django_db


def notify_wave(key: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("notify_wave", key, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def notices_queued_by_the_command() -> list[str]:
    events = AuditEvent.objects.filter(action="notice.queued")
    return sorted(event.target_id for event in events if event.actor_label == "notify_wave")


@pytest.fixture
def wave() -> Wave:
    return Wave.objects.create(key="2026-11-terror-sweep", name="Terror sweep, November 2026")


def test_everyone_in_the_wave_not_yet_told_gets_one_notice_and_a_second_run_sends_nothing(wave: Wave) -> None:
    untold = [make_suspension(informed=False, wave=wave) for _ in range(7)]
    told_by_the_platform = [make_suspension(informed=True, wave=wave) for _ in range(3)]
    on_its_way = make_suspension(informed=False, wave=wave)
    suspension_notice_send(suspension=on_its_way, actor=Actor.system("earlier run"))
    no_address = make_suspension(informed=False, wave=wave, account_email="")
    elsewhere = make_suspension(informed=False)  # in no wave: not this command's business
    assert Suspension.objects.filter(wave=wave).count() == 12

    out, err = notify_wave(wave.key)

    assert out.strip() == (
        "Wave 2026-11-terror-sweep: queued 7 notice(s); 4 already informed or pending; 1 without an address on file."
    )
    assert err.endswith("] 12/12\n")
    assert notices_queued_by_the_command() == sorted(str(suspension.pk) for suspension in untold)
    sent = Notification.objects.filter(template=SUSPENSION_NOTICE, status=NotificationStatus.QUEUED)
    assert sorted(sent.values_list("recipient_email", flat=True)) == sorted(
        [suspension.account_email for suspension in [*untold, on_its_way]]
    )
    assert not told_by_the_platform[0].notices.filter(sent_by_recourse=True).exists()
    assert not Notification.objects.filter(related_id__in=[no_address.pk, elsewhere.pk]).exists()

    out, _err = notify_wave(wave.key)

    assert "queued 0 notice(s); 11 already informed or pending; 1 without an address on file." in out
    assert len(notices_queued_by_the_command()) == 7


def test_a_notice_being_sent_or_already_sent_or_failed_is_not_sent_again(wave: Wave, mailoutbox) -> None:
    sending, sent, failed = (make_suspension(informed=False, wave=wave) for _ in range(3))
    notify_wave(wave.key)
    outbox = {notification.related_id: notification for notification in Notification.objects.all()}
    Notification.objects.filter(pk=outbox[sending.pk].pk).update(status=NotificationStatus.SENDING)
    assert notification_deliver(outbox[sent.pk].pk) == NotificationStatus.SENT
    gave_up(outbox[failed.pk])
    assert [notice.status for notice in sent.notices.all()] == [NoticeStatus.SENT]
    assert [notice.status for notice in failed.notices.all()] == [NoticeStatus.FAILED]

    out, _err = notify_wave(wave.key)

    # A failed notice is tried again from admin as the same message, not sent anew by this command.
    assert "queued 0 notice(s); 3 already informed or pending" in out
    assert Notification.objects.count() == 3 and len(mailoutbox) == 1


def gave_up(notification: Notification) -> None:
    """What the worker does when a message cannot go: the outbox row fails, and its Notice follows."""
    Notification.objects.filter(pk=notification.pk).update(status=NotificationStatus.FAILED, last_error="550 gone")
    notification.refresh_from_db()
    announce_status(notification)


def test_an_empty_wave_says_so_without_a_division_by_zero(wave: Wave) -> None:
    out, err = notify_wave(wave.key)
    assert "queued 0 notice(s); 0 already informed or pending; 0 without an address on file." in out
    assert err.endswith("] 0/0\n")


def test_an_unknown_wave_key_is_refused_by_name() -> None:
    with pytest.raises(CommandError, match="No wave with the key 'no-such-wave'"):
        notify_wave("no-such-wave")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_still_send_each_suspension_one_notice(wave: Wave) -> None:
    for _ in range(20):
        make_suspension(informed=False, wave=wave)
    start = threading.Barrier(2)

    def run() -> str:
        try:
            start.wait(timeout=10)
            return notify_wave(wave.key)[0]
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = list(pool.map(lambda _: run(), range(2)))
    queued = [int(match.group(1)) for out in outputs if (match := re.search(r"queued (\d+) notice", out))]
    assert len(queued) == 2 and sum(queued) == 20
    assert Notification.objects.filter(template=SUSPENSION_NOTICE).count() == 20
    assert len(notices_queued_by_the_command()) == 20
