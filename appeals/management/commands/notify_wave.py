"""manage.py notify_wave <wave-key>: send Recourse's own suspension notice to everyone in a wave not yet told.

A suspension counts as told, or about to be, when it has any Notice (from the platform or from us) or a suspension
notice of ours waits in the outbox (queued or sending). Everyone else with an address on file gets one, so running
the command again sends nothing new. Notices that failed or bounced are not sent again here: try them again from
admin (Notifications, "needs attention").
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.db import transaction
from django.db.models import Exists, OuterRef, Q

from appeals.models import Notice, Suspension, Wave
from appeals.notices import SUSPENSION_NOTICE, suspension_notice_send
from portal.audit.actors import Actor
from portal.notifications.models import Notification, NotificationStatus

ACTOR = Actor.system("notify_wave")
CHUNK_SIZE = 500


def not_yet_told() -> Q:
    """Suspensions with no Notice and no suspension notice of ours waiting in the outbox."""
    waiting = Notification.objects.filter(
        template=SUSPENSION_NOTICE,
        related_type=ContentType.objects.get_for_model(Suspension),
        related_id=OuterRef("pk"),
        status__in=[NotificationStatus.QUEUED, NotificationStatus.SENDING],
    )
    return ~Exists(Notice.objects.filter(suspension=OuterRef("pk"))) & ~Exists(waiting)


@dataclass
class Tally:
    queued: int = 0
    already: int = 0  # informed, or a notice on its way
    no_address: int = 0


class ProgressBar:
    """One line on stderr, redrawn in place: [#######          ] 120/300."""

    def __init__(self, stream: OutputWrapper, total: int, *, every: int = 50, width: int = 30) -> None:
        self.stream, self.total, self.every, self.width = stream, total, every, width
        self.done = self.drawn = 0

    def advance(self) -> None:
        self.done += 1
        if self.done % self.every == 0:
            self._draw()

    def finish(self) -> None:
        if self.drawn != self.done or self.done == 0:
            self._draw()
        self._write("\n")

    def _draw(self) -> None:
        self.drawn = self.done
        filled = self.width * self.done // self.total if self.total else self.width
        self._write(f"\r[{'#' * filled}{' ' * (self.width - filled)}] {self.done}/{self.total}")

    def _write(self, text: str) -> None:
        self.stream.write(text, style_func=lambda line: line, ending="")  # plain, not the error style of stderr
        self.stream.flush()


class Command(BaseCommand):
    help = "Send Recourse's suspension notice to every account in a wave that has not had one, and say how many."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("wave", help="The wave's key, as shown in admin (for example 2026-11-terror-sweep).")

    def handle(self, *args: Any, **options: Any) -> None:
        wave = Wave.objects.filter(key=options["wave"]).first()
        if wave is None:
            raise CommandError(f"No wave with the key {options['wave']!r}. Waves are listed in admin under Waves.")
        suspensions = wave.suspensions.order_by("pk")
        progress = ProgressBar(self.stderr, suspensions.count())
        tally = Tally()
        rows = suspensions.annotate(untold=not_yet_told()).only("pk", "account_email")
        for suspension in rows.iterator(chunk_size=CHUNK_SIZE):
            if not suspension.untold:
                tally.already += 1
            elif not suspension.account_email:
                tally.no_address += 1
            elif _notify(suspension.pk):
                tally.queued += 1
            else:  # another run got to it between our read and our lock
                tally.already += 1
            progress.advance()
        progress.finish()
        self.stdout.write(
            f"Wave {wave.key}: queued {tally.queued} notice(s); {tally.already} already informed or pending; "
            f"{tally.no_address} without an address on file."
        )


def _notify(suspension_id: int) -> bool:
    """Send the notice unless one appeared since the list was read. The lock on the suspension makes two runs at
    once send one notice, not two; the check comes in a statement of its own after the lock, because a statement
    that waited for a lock still sees other tables as they were when it began (PostgreSQL, read committed)."""
    with transaction.atomic():
        suspension = Suspension.objects.select_for_update().get(pk=suspension_id)
        if not Suspension.objects.filter(not_yet_told(), pk=suspension_id).exists():
            return False
        suspension_notice_send(suspension=suspension, actor=ACTOR)
    return True
