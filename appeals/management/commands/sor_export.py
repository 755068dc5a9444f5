"""manage.py sor_export --since YYYY-MM-DD --until YYYY-MM-DD [--output FILE]: every statement of reasons whose
application date falls in [since, until), as the EU DSA Transparency Database's multiple-statements body
{"statements": [...]}, for the platform to submit (the database takes at most 100 statements per call).

Written as the rows are read, so a wave of 125,000 costs the memory of one chunk. A statement the database would
refuse (appeals.sor_rules, checked field by field) is left out and named on stderr with its reasons; the command
then fails, so a scheduled run is noticed, but the file still holds every other statement. With --output the file
appears only once it is whole.
"""

import argparse
import contextlib
import json
import os
import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from appeals.models import Suspension
from appeals.sor import StatementIncomplete, statement_of_reasons, suspensions_applied

CHUNK_SIZE = 2000


def day(value: str) -> date:
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        with contextlib.suppress(ValueError):  # 2025-02-30 has the shape but is no day
            return date.fromisoformat(value)
    raise argparse.ArgumentTypeError(f"{value!r} is not a date; give it as YYYY-MM-DD.")


class Command(BaseCommand):
    help = "Write the statements of reasons of a period in the EU DSA Transparency Database's submission format."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=day, required=True, help="First day of the period (YYYY-MM-DD).")
        parser.add_argument("--until", type=day, required=True, help="Day after the period (YYYY-MM-DD), excluded.")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args: Any, since: date, until: date, output: str | None, **options: Any) -> None:
        if until <= since:
            raise CommandError(f"--until ({until}) must be after --since ({since}); the period is [since, until).")
        rows = suspensions_applied(since, until).iterator(chunk_size=CHUNK_SIZE)
        if output is None:
            written, left_out = self._export(rows, lambda text: self.stdout.write(text, ending=""))
        else:
            partial = f"{output}.partial"
            with open(partial, "w", encoding="utf-8") as file:
                written, left_out = self._export(rows, file.write)
            os.replace(partial, output)
        self.stderr.write(f"{written} statements of reasons from {since} to before {until}.")
        if left_out:
            raise CommandError(
                f"{left_out} statements were left out: the Transparency Database would refuse them (named above)."
            )

    def _export(self, rows: Iterable[Suspension], write: Callable[[str], Any]) -> tuple[int, int]:
        written = left_out = 0
        write('{"statements": [')
        for suspension in rows:
            try:
                statement = statement_of_reasons(suspension)
            except StatementIncomplete as refusal:
                self.stderr.write(f"Left out {refusal}")
                left_out += 1
                continue
            write(("\n" if written == 0 else ",\n") + json.dumps(statement, ensure_ascii=False))
            written += 1
        write("\n]}\n")
        return written, left_out
