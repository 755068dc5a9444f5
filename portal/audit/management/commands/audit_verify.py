import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from portal.audit.chain import chain_rows, verify_chain

_ANCHOR = re.compile(r"^(?P<seq>[1-9][0-9]*):(?P<hash>[0-9a-f]{64})$")


def anchor(value: str) -> tuple[int, str]:
    """SEQ:HASH, as `manage.py audit_head` prints them."""
    match = _ANCHOR.match(value.strip())
    if match is None:
        raise CommandError(f"--expect-head takes SEQ:HASH (a seq and a 64-character SHA-256), not {value!r}.")
    return int(match["seq"]), match["hash"]


class Command(BaseCommand):
    help = (
        "Walk the audit chain and name the first broken event. Exits non-zero if the chain was tampered with, or if "
        "a head anchored earlier (--expect-head) is no longer in it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            action="append",
            default=[],
            metavar="SEQ:HASH",
            help="a head exported earlier with audit_head; the event at SEQ must still have HASH (repeatable)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        anchors = dict(anchor(value) for value in options["expect_head"])
        report = verify_chain(chain_rows(), anchors)
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event #{report.broken_seq}: {report.problem}. "
                f"{report.count} events before it verify; last good hash {report.head_hash}."
            )
        erased = f", {report.erased} with personal data erased" if report.erased else ""
        anchored = f"; {len(anchors)} anchored head(s) found" if anchors else ""
        self.stdout.write(f"Audit chain intact: {report.count} events{erased}, head hash {report.head_hash}{anchored}")
