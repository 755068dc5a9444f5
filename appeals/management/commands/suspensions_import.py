"""Import a wave of statements of reasons from a JSON Lines or CSV file, through the same checks and service as the
API, a batch at a time, so a file of any size is read as a stream and each batch is one transaction."""

import argparse
import contextlib
import csv
import itertools
import json
import os
import stat
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from rest_framework import serializers
from tqdm import tqdm

from appeals.api.suspension_serializers import StatementSerializer, statement_from
from appeals.suspensions import BatchResult, IngestOutcome, Statement, suspensions_ingest_batch
from portal.audit.actors import Actor

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}
ACTOR = Actor.system("manage.py suspensions_import")
# A line: its number in the file, and the statement as parsed (a dict for the serializer), or why it could not be.
Record = tuple[int, Any]


def unreadable(reason: str) -> BatchResult:
    """A line rejected before the serializer sees it: not UTF-8, not JSON, or a CSV row of the wrong length."""
    return BatchResult(puid=None, outcome=IngestOutcome.REJECTED, errors={"non_field_errors": [reason]})


class Command(BaseCommand):
    help = (
        "Import statements of reasons from a JSON Lines or CSV file (- for standard input), with the API's checks "
        "and audit trail. Exits non-zero if any line was rejected; the rest are imported all the same."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The file to read, or - for standard input.")
        parser.add_argument(
            "--format", choices=sorted(set(FORMATS.values())), help="jsonl or csv; by default from the extension."
        )
        parser.add_argument(
            "--batch",
            type=int,
            default=settings.API_BATCH_MAX,
            help=f"Statements per transaction ({settings.API_BATCH_MAX}).",
        )
        parser.add_argument("--rejects", help="Also write each rejected line here, as JSON Lines.")
        parser.add_argument(
            "--progress",
            action=argparse.BooleanOptionalAction,
            help="Show a progress bar on standard error (by default when it is a terminal).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name, batch = options["file"], options["batch"]
        if batch < 1:
            raise CommandError("--batch must be at least 1.")
        file_format = options["format"] or _format_of(name)
        with ExitStack() as stack:
            source = stack.enter_context(_open_binary(name))
            rejects = stack.enter_context(open(options["rejects"], "w")) if options["rejects"] else None
            bar = stack.enter_context(_progress(source, self.stderr, options["progress"]))
            lines = Lines(source)
            run = ImportRun(self.stderr, rejects)
            for chunk in itertools.batched(_records(lines, file_format), batch):
                run.take(chunk)
                bar.update(lines.bytes_read - bar.n)
        self.stdout.write(run.summary(name))
        if run.tally[IngestOutcome.REJECTED]:
            raise CommandError(f"{run.tally[IngestOutcome.REJECTED]} line(s) rejected; the others were imported.")


class ImportRun:
    """Takes the file a chunk at a time and keeps only the counts, so memory stays the same for any file size."""

    def __init__(self, stderr: OutputWrapper, rejects: IO[str] | None) -> None:
        self.stderr, self.rejects = stderr, rejects
        self.checker = StatementSerializer()
        self.tally: Counter[str] = Counter()

    def take(self, chunk: Iterable[Record]) -> None:
        checked = [(line, _checked(item, self.checker)) for line, item in chunk]
        statements = [item for _line, item in checked if isinstance(item, Statement)]
        ingested = iter(suspensions_ingest_batch(actor=ACTOR, statements=statements) if statements else [])
        for line, item in checked:
            result = next(ingested) if isinstance(item, Statement) else item
            self.tally[result.outcome] += 1
            if result.outcome == IngestOutcome.REJECTED:
                self.reject(line, result)

    def reject(self, line: int, result: BatchResult) -> None:
        puid = f" ({result.puid})" if result.puid else ""
        self.stderr.write(f"line {line}{puid}: {describe(result.errors)}")
        if self.rejects:
            self.rejects.write(json.dumps({"line": line, "puid": result.puid, "errors": result.errors}) + "\n")

    def summary(self, name: str) -> str:
        counts = ", ".join(f"{self.tally[outcome]} {outcome}" for outcome in IngestOutcome.values)
        return f"{self.tally.total()} statement(s) from {name}: {counts}."


def _checked(item: Any, checker: StatementSerializer) -> Statement | BatchResult:
    return item if isinstance(item, BatchResult) else statement_from(item, checker)


class Lines:
    """The file's lines as text, counting bytes for the progress bar. A line that is not UTF-8 is remembered, so
    the record it belongs to is rejected, and read with replacement characters so the rest of the file goes on."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.bytes_read = 0
        self.count = 0
        self.undecodable: set[int] = set()

    def __iter__(self) -> Iterator[str]:
        for raw in self.source:
            self.count += 1
            self.bytes_read += len(raw)
            if self.count == 1:
                raw = raw.removeprefix(b"\xef\xbb\xbf")  # spreadsheets start UTF-8 files with a byte-order mark
            try:
                yield raw.decode()
            except UnicodeDecodeError:
                self.undecodable.add(self.count)
                yield raw.decode(errors="replace")

    def undecodable_in(self, first: int, last: int) -> bool:
        found = {number for number in self.undecodable if first <= number <= last}
        self.undecodable -= found
        return bool(found)


def _records(lines: Lines, file_format: str) -> Iterator[Record]:
    return _csv_records(lines) if file_format == "csv" else _jsonl_records(lines)


def _jsonl_records(lines: Lines) -> Iterator[Record]:
    for text in lines:
        if not text.strip():
            continue
        if lines.undecodable_in(lines.count, lines.count):
            yield lines.count, unreadable("Not UTF-8 text.")
            continue
        try:
            yield lines.count, json.loads(text.rstrip("\r\n"))
        except json.JSONDecodeError as error:
            yield lines.count, unreadable(f"Not valid JSON: {error.msg} (column {error.colno}).")


def _csv_records(lines: Lines) -> Iterator[Record]:
    """Rows as statements: the header names the fields, as the API names them. An empty cell is an empty value
    (no list, no date, no wave); a list cell is values separated by | (DE|FR), or a JSON array."""
    rows = csv.reader(lines)
    try:
        header = next(rows, None)
        if header is None:
            return
        cells = CellReader(header)
        while True:
            first = rows.line_num + 1
            row = next(rows, None)
            if row is None:
                return
            if row:
                yield first, cells.statement(row, undecodable=lines.undecodable_in(first, rows.line_num))
    except csv.Error as error:
        raise CommandError(
            f"line {rows.line_num}: not valid CSV ({error}); the lines before it were imported."
        ) from error


class CellReader:
    """Turns a CSV row into what the API would receive for it."""

    def __init__(self, header: list[str]) -> None:
        fields = StatementSerializer().fields
        names = [name.strip() for name in header]
        unknown = [name for name in names if name not in fields]
        if unknown:
            raise CommandError(
                f"Unknown column(s): {', '.join(unknown)}. Columns are named as the API's fields: "
                f"{', '.join(fields)}. Nothing was imported."
            )
        if len(set(names)) < len(names):
            raise CommandError("A column appears twice in the header. Nothing was imported.")
        self.columns = [(name, fields[name]) for name in names]

    def statement(self, row: list[str], *, undecodable: bool) -> Any:
        if undecodable:
            return unreadable("Not UTF-8 text.")
        if len(row) != len(self.columns):
            return unreadable(f"Expected {len(self.columns)} cells as in the header, found {len(row)}.")
        return {name: _cell(field, text) for (name, field), text in zip(self.columns, row, strict=True)}


def _cell(field: serializers.Field, text: str) -> Any:
    if isinstance(field, serializers.ListField):
        if text.lstrip().startswith("["):
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return text  # the serializer names the field and says it wants a list
        return [value.strip() for value in text.split("|") if value.strip()]
    if text == "" and field.allow_null:
        return None
    return text


def describe(errors: Any) -> str:
    """Field errors as one line: `category: "X" is not a valid choice.; territorial_scope[1]: ...`."""
    if isinstance(errors, dict):
        return "; ".join(_describe_field(str(name), reasons) for name, reasons in errors.items())
    return " ".join(str(reason) for reason in errors)


def _describe_field(name: str, reasons: Any) -> str:
    if isinstance(reasons, dict):
        return "; ".join(_describe_field(f"{name}[{key}]", inner) for key, inner in reasons.items())
    text = " ".join(str(reason) for reason in reasons)
    return text if name == "non_field_errors" else f"{name}: {text}"


def _format_of(name: str) -> str:
    file_format = FORMATS.get(Path(name).suffix.lower()) if name != "-" else None
    if file_format is None:
        raise CommandError(f"Cannot tell the format of {name}: name it with --format jsonl or --format csv.")
    return file_format


def _open_binary(name: str) -> contextlib.AbstractContextManager[IO[bytes]]:
    if name == "-":
        return contextlib.nullcontext(sys.stdin.buffer)  # left open: it is not ours to close
    try:
        return open(name, "rb")
    except OSError as error:
        raise CommandError(f"Cannot read {name}: {error.strerror}.") from error


def _progress(source: IO[bytes], stderr: OutputWrapper, wanted: bool | None) -> "tqdm[Any]":
    return tqdm(
        total=_size(source),
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc="Importing",
        file=BarOutput(stderr),
        disable=not stderr.isatty() if wanted is None else not wanted,
        mininterval=0.5,
    )


def _size(source: IO[bytes]) -> int | None:
    """The file's size, for the bar to show how far it is; unknown for a pipe."""
    try:
        status = os.fstat(source.fileno())
    except (OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) and status.st_size else None


class BarOutput:
    """tqdm redraws its line with a carriage return; the command's stderr would end each write with a newline."""

    def __init__(self, out: OutputWrapper) -> None:
        self.out = out

    def write(self, text: str) -> None:
        self.out.write(text, ending="")

    def flush(self) -> None:
        self.out.flush()
