"""manage.py retention_purge: delete the personal data of appeals closed (decided or withdrawn) more than
RETENTION_DAYS ago. Safe to run again and again (cron, a systemd timer): what is purged is not touched twice."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from appeals.retention import BATCH_SIZE, appeals_to_purge, retention_cutoff, retention_purge


class Command(BaseCommand):
    help = f"Delete the personal data of appeals closed more than RETENTION_DAYS ({settings.RETENTION_DAYS}) ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count what would be purged; change nothing")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE, help="appeals per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        cutoff = retention_cutoff()
        if options["dry_run"]:
            due = appeals_to_purge(cutoff).count()
            self.stdout.write(f"Would purge {due} appeals closed before {cutoff:%Y-%m-%d %H:%M} UTC (dry run).")
            return
        result = retention_purge(cutoff=cutoff, batch_size=options["batch_size"])
        self.stdout.write(
            f"Purged {result.appeals} appeals closed before {cutoff:%Y-%m-%d %H:%M} UTC, "
            f"{result.suspensions} suspensions' personal fields, {result.evidence_files} evidence files."
        )
