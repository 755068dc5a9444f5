"""manage.py transparency_report --since YYYY-MM-DD --until YYYY-MM-DD --format json|csv [--output FILE]: the
transparency report of the period [since, until), the same figures as the staff report's downloads (all of them:
no small-number suppression)."""

import json
import os
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from appeals.management.commands.sor_export import day
from appeals.transparency import transparency_report
from appeals.transparency_figures import report_csv, report_json


class Command(BaseCommand):
    help = "Write the transparency report of a period (suspensions, notices, appeals, decisions) as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", type=day, required=True, help="First day of the period (YYYY-MM-DD).")
        parser.add_argument("--until", type=day, required=True, help="Day after the period (YYYY-MM-DD), excluded.")
        parser.add_argument("--format", choices=["json", "csv"], default="json", help="Output format (default json).")
        parser.add_argument("--output", help="File to write (default: standard output).")

    def handle(self, *args: Any, since: date, until: date, format: str, output: str | None, **options: Any) -> None:
        if until <= since:
            raise CommandError(f"--until ({until}) must be after --since ({since}); the period is [since, until).")
        report = transparency_report(since=since, until=until)
        text = report_csv(report) if format == "csv" else json.dumps(report_json(report), indent=2) + "\n"
        if output is None:
            self.stdout.write(text, ending="")
            return
        partial = f"{output}.partial"
        with open(partial, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, output)
        self.stderr.write(f"Transparency report from {since} to before {until} written to {output}.")
