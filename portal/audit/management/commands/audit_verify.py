from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.chain import chain_rows, verify_chain


class Command(BaseCommand):
    help = "Walk the audit chain and name the first broken event. Exits non-zero if the chain was tampered with."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain(chain_rows())
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event #{report.broken_seq}: {report.problem}. "
                f"{report.count} events before it verify; last good hash {report.head_hash}."
            )
        self.stdout.write(f"Audit chain intact: {report.count} events, head hash {report.head_hash}")
