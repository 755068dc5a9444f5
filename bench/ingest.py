"""A wave of 125,000 suspensions taken in three ways, each into an emptied table: a raw PostgreSQL COPY of the rows
(the limit), manage.py suspensions_import on a JSON Lines file, and the API in POSTs of 1,000 to gunicorn.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_ingest \\
        .venv/bin/python bench/ingest.py [--json PATH] [--quick]

The statements are made up but deterministic (one terror-sweep wave: varied handles, grounds, categories, countries).
They are written once as a JSON Lines file and once as COPY's text input, with every column the service would fill
(handle_key, wave, timestamps) worked out in Python beforehand; COPY times only the load. The command runs as a child
process, so its wall time and peak resident memory are its own; it also imports a fifth of the file alone, to show
its memory does not grow with the file. Correctness: each load leaves exactly the rows of the file, the same as COPY's
column for column (a checksum over every column but id and the timestamps), every row has its audit event, and the
audit chain verifies at the end; otherwise the script exits non-zero. --quick: 2,000 rows.
"""

import argparse
import contextlib
import functools
import http.client
import json
import random
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import batched, islice
from pathlib import Path
from typing import Any

from benchkit import (
    ROOT,
    Figure,
    bench_env,
    database_ensure,
    database_url,
    django_setup,
    figures_write,
    free_port,
    gunicorn_wait,
    run_measured,
    say,
    server_connect,
    tables_empty,
)

FULL_ROWS, QUICK_ROWS = 125_000, 2_000
BATCH = 1_000
PROBE_BATCH = 10  # the small batch whose query count a full one must not exceed
SMALL_SHARE = 5  # the command also imports the first fifth of the file, for its memory at a smaller size
WAVE_KEY = "2026-11-terror-sweep"
SEED = 2026
COMMAND_TARGET, API_TARGET, MEMORY_TARGET = 1.5, 3.0, 1.2
SERVER_START_SECONDS = 60
COPY_RUNS = 2


@dataclass(frozen=True)
class Files:
    jsonl: Path
    small: Path
    copy: Path


@dataclass(frozen=True, order=True)
class Load:
    seconds: float
    peak_rss_mib: float | None = None


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    database_ensure(database_url())
    django_setup()
    rows = QUICK_ROWS if args.quick else FULL_ROWS
    tables_empty()
    wave_id = wave_make()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="recourse-ingest-") as scratch:
        say(f"Writing {rows:,} statements as JSON Lines and as COPY input ...")
        files = files_write(Path(scratch), rows, wave_id)
        copy = min(copy_measure(files.copy) for _run in range(COPY_RUNS))  # the limit at its tightest
        expected = rows_checksum()
        problems += rows_check("COPY", rows, expected)
        small = import_measure(files.small, rows // SMALL_SHARE, problems)
        full = import_measure(files.jsonl, rows, problems)
        problems += rows_check("suspensions_import", rows, expected)
        api, queries = api_measure(files.jsonl, rows, problems)
        problems += rows_check("the API", rows, expected)
    problems += audit_check(rows + rows // SMALL_SHARE + rows)
    figures_write(
        args.json, bench="ingest", method=method(rows), figures=figures(rows, copy, small, full, api, queries)
    )
    for problem in problems:
        say(f"FAILED: {problem}")
    return 1 if problems else 0


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows instead of {FULL_ROWS:,}")
    return parser.parse_args(argv)


def method(rows: int) -> str:
    return (
        f"{rows:,} made-up statements of one terror-sweep wave (deterministic), loaded three ways, each into an "
        "emptied appeals_suspension with all its indexes: (1) a raw PostgreSQL COPY (psycopg cursor.copy) of the "
        "same rows, every column worked out in Python beforehand and only the load timed, the faster of "
        f"{COPY_RUNS} runs; (2) manage.py suspensions_import on the JSON Lines file in batches of {BATCH:,}, run as a "
        "child process and timed whole (Django's start included), its peak RSS read from wait4; it also imports the "
        f"first fifth of the file alone, for its memory at a smaller size; (3) the API, POSTs of {BATCH:,} "
        "statements one after another over HTTP to gunicorn (one sync worker) on 127.0.0.1 with a real API key, "
        "timed from the first request to the last answer read. Queries per batch are counted in-process with the "
        f"test client, a batch of {PROBE_BATCH} and one of {BATCH:,}, rolled back. The command and the API check "
        "each statement with the API's serializer and the model's rules, write a batch with one insert and one "
        "audit append (an event per suspension, hash-chained), and store COPY's rows column for column (checked by "
        "checksum); the audit chain is verified at the end."
    )


def figures(rows: int, copy: Load, small: Load, full: Load, api: Load, queries: tuple[int, int]) -> list[Figure]:
    limit = f"raw COPY of the same {rows:,} rows"
    probe, batch = queries
    return [
        Figure(f"raw COPY of {rows:,} suspensions", round(copy.seconds, 2), "s", "(the limit)", None, "-", None),
        Figure(
            f"suspensions_import of {rows:,} (JSON Lines, batches of {BATCH:,})",
            round(full.seconds, 2),
            "s",
            limit,
            round(copy.seconds, 2),
            f"≤ {COMMAND_TARGET}× COPY",
            full.seconds <= COMMAND_TARGET * copy.seconds,
        ),
        Figure(
            f"API: {rows:,} in POSTs of {BATCH:,} (gunicorn, one client)",
            round(api.seconds, 2),
            "s",
            limit,
            round(copy.seconds, 2),
            f"≤ {API_TARGET}× COPY",
            api.seconds <= API_TARGET * copy.seconds,
        ),
        Figure(
            f"peak RSS of suspensions_import at {rows:,} rows",
            round(full.peak_rss_mib or 0, 1),
            "MiB",
            f"the same at {rows // SMALL_SHARE:,} rows",
            round(small.peak_rss_mib or 0, 1),
            f"≤ {MEMORY_TARGET}× (flat)",
            (full.peak_rss_mib or 0) <= MEMORY_TARGET * (small.peak_rss_mib or 0),
        ),
        Figure(
            f"queries per API batch of {BATCH:,}",
            batch,
            "queries",
            f"a batch of {PROBE_BATCH}",
            probe,
            "same at every size",
            batch <= probe,
        ),
    ]


# The wave's statements


def wave_make() -> int:
    from appeals.models import Wave

    return Wave.objects.create(key=WAVE_KEY, name="Terror sweep, 2 November 2026").pk


def files_write(folder: Path, rows: int, wave_id: int) -> Files:
    files = Files(folder / "wave.jsonl", folder / "wave-fifth.jsonl", folder / "wave.copy")
    now = datetime.now(UTC)
    with files.jsonl.open("w") as jsonl, files.small.open("w") as small, files.copy.open("w") as copy:
        for number, values in enumerate(wave(rows)):
            line = json.dumps(statement_of(values), ensure_ascii=False) + "\n"
            jsonl.write(line)
            if number < rows // SMALL_SHARE:
                small.write(line)
            copy.write(copy_line(values, wave_id, now))
    return files


FIRST = ("lena", "jonas", "amir", "sofia", "mateo", "ines", "lukas", "yara", "tomasz", "elif", "noah", "marta")
FIRST_ACCENTED = ("zoë", "ömer", "josé", "łukasz", "ελένη", "søren", "maëlle", "çağrı", "ana_maría", "jiří")
LAST = ("news", "watch", "osint", "daily", "1987", "hh", "fan", "real", "offical", "media", "archive", "_x")
DOMAINS = ("example.org", "example.net", "example.com", "mail.example")
RULES = ("extremism-classifier-v7/rule-4471", "hash-match/gifct", "extremism-classifier-v7/rule-4502")
TCO_GROUND = "Regulation (EU) 2021/784 (TCO), Art. 2(7)"
GUIDELINE = "Community Guidelines §3.2 — Violent extremism"
MATERIAL = ("a banned group's slogan", "a recruitment video", "an attack livestream", "a designated group's logo")
CATEGORIES = (
    ("STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY", ["KEYWORD_TERRORIST_CONTENT"], 85),
    ("STATEMENT_CATEGORY_VIOLENCE", ["KEYWORD_INCITEMENT_VIOLENCE_HATRED", "KEYWORD_COORDINATED_HARM"], 10),
    ("STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH", ["KEYWORD_HATE_SPEECH"], 5),
)
COUNTRIES = ("AT", "BE", "DE", "DK", "ES", "FI", "FR", "IE", "IT", "NL", "PL", "PT", "SE", "NO", "IS")
SWEEP = datetime(2026, 11, 2, tzinfo=UTC)


def wave(rows: int) -> Iterator[dict[str, Any]]:
    """Each statement as the service stores it: the model's field names and Python values."""
    chance = random.Random(SEED)
    for number in range(rows):
        yield statement_values(number, chance)


def statement_values(number: int, chance: random.Random) -> dict[str, Any]:
    first = chance.choice(FIRST_ACCENTED if chance.random() < 0.15 else FIRST)
    handle = f"{first}.{chance.choice(LAST)}{number}"
    category, keywords, _weight = chance.choices(CATEGORIES, weights=[c[2] for c in CATEGORIES])[0]
    applied = SWEEP + timedelta(seconds=chance.randrange(0, 2 * 86400)) if chance.random() < 0.5 else SWEEP
    temporary = chance.random() < 0.4
    illegal = chance.random() < 0.2
    posts = chance.randint(1, 9)
    values: dict[str, Any] = {
        "puid": f"sor-2026-11-{number:07d}",
        "handle": f"@{handle.upper()}" if chance.random() < 0.1 else handle,
        "account_email": "" if chance.random() < 0.08 else f"{ascii_of(first)}{number}@{chance.choice(DOMAINS)}",
        "account_type": "ACCOUNT_TYPE_BUSINESS" if chance.random() < 0.05 else "ACCOUNT_TYPE_PRIVATE",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED" if temporary else "DECISION_ACCOUNT_TERMINATED",
        "application_date": applied,
        "end_date_account_restriction": applied + timedelta(days=chance.choice((30, 90, 180))) if temporary else None,
        "category": category,
        "category_specification": sorted(keywords[: chance.randint(1, len(keywords))]),
        "decision_facts": f"{posts} post(s) between 28 October and 2 November shared {chance.choice(MATERIAL)}.",
        "source_type": "SOURCE_TRUSTED_FLAGGER" if chance.random() < 0.15 else "SOURCE_VOLUNTARY",
        "automated_detection": chance.random() < 0.9,
        "automated_decision": chance.choice(("AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_FULLY")),
        "detection_rule": chance.choice(RULES),
        "territorial_scope": sorted(chance.sample(COUNTRIES, chance.randint(1, 6))),
        "content_type": sorted(chance.sample(("CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE", "CONTENT_TYPE_VIDEO"), 2)),
        "content_date": (applied - timedelta(days=chance.randint(0, 5))).date(),
        "content_description": f"Post #{number}: “{chance.choice(MATERIAL)}”, shared with a caption.",
    }
    values |= _ground(illegal, chance)
    if values["source_type"] == "SOURCE_TRUSTED_FLAGGER":
        values["source_identity"] = "Europol EU Internet Referral Unit"
    return values


def ascii_of(name: str) -> str:
    """An address's local part from a name: accents dropped, other scripts left out (jiří → jiri, ελένη → "")."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().replace("_", ".")


def _ground(illegal: bool, chance: random.Random) -> dict[str, Any]:
    if illegal:
        return {
            "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
            "illegal_content_legal_ground": TCO_GROUND,
            "illegal_content_explanation": "A removal order under the TCO Regulation named these posts.",
        }
    return {
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": GUIDELINE,
        "incompatible_content_explanation": "The posts promote a designated terrorist organisation.",
        "incompatible_content_illegal": chance.random() < 0.5,
    }


def statement_of(values: dict[str, Any]) -> dict[str, Any]:
    """The statement as the platform sends it: Transparency Database forms, None left out, lists in any order."""
    body: dict[str, Any] = {"wave": WAVE_KEY}
    for name, value in values.items():
        if value is None:
            continue
        if isinstance(value, bool):
            body[name] = "Yes" if value else "No"
        elif isinstance(value, datetime):
            body[name] = value.date().isoformat() if value == SWEEP else value.isoformat().replace("+00:00", "Z")
        elif isinstance(value, date):
            body[name] = value.isoformat()
        elif isinstance(value, list):
            body[name] = value[::-1]
        else:
            body[name] = value
    return body


# COPY


@functools.cache
def copy_columns() -> list[Any]:
    from appeals.models import Suspension

    return [field for field in Suspension._meta.concrete_fields if not field.primary_key]


def copy_line(values: dict[str, Any], wave_id: int, now: datetime) -> str:
    """One row of COPY's text format, with every column as the service would fill it."""
    from appeals.models import handle_key

    filled = {**values, "handle_key": handle_key(values["handle"]), "wave": wave_id, "received_at": now}
    filled["updated_at"] = now
    cells = []
    for field in copy_columns():
        value = filled[field.name] if field.name in filled else field.get_default()
        cells.append(copy_text(value))
    return "\t".join(cells) + "\n"


def copy_text(value: Any) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, date):  # and datetime
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_measure(path: Path) -> Load:
    suspensions_clear()
    columns = ", ".join(field.column for field in copy_columns())
    with server_connect(database_url(), dbname=database_name()) as connection:
        connection.autocommit = False
        started = time.perf_counter()
        statement = f"COPY appeals_suspension ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.copy(statement) as copy, path.open("rb") as source:
            while chunk := source.read(1 << 20):
                copy.write(chunk)
        connection.commit()
        seconds = time.perf_counter() - started
    say(f"COPY: {seconds:.2f} s")
    return Load(seconds)


def database_name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def suspensions_clear() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        # Only the bench's own rows: the audit chain stays whole for the check at the end.
        cursor.execute("TRUNCATE appeals_suspension CASCADE")


# The command


def import_measure(path: Path, rows: int, problems: list[str]) -> Load:
    suspensions_clear()
    command = [sys.executable, str(ROOT / "manage.py"), "suspensions_import", str(path), "--no-progress"]
    run = run_measured([*command, "--batch", str(BATCH)], env=bench_env())
    say(f"suspensions_import of {rows:,}: {run.seconds:.2f} s, peak RSS {run.peak_rss_mib:.1f} MiB")
    summary = f"{rows} statement(s) from {path}: {rows} created, 0 updated, 0 unchanged, 0 rejected."
    if run.returncode != 0 or run.stdout.strip() != summary:
        problems.append(f"suspensions_import exited {run.returncode} saying {run.stdout.strip()!r}")
    return Load(run.seconds, run.peak_rss_mib)


# The API


def api_queries(path: Path) -> tuple[int, int]:
    """Queries for a batch of PROBE_BATCH new statements and then one of BATCH, through the test client, in a
    transaction rolled back afterwards."""
    from django.conf import settings
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    counts = []
    with transaction.atomic(), path.open("rb") as lines:
        client = Client(HTTP_AUTHORIZATION=f"Bearer {api_key()}")
        for size in (PROBE_BATCH, BATCH):
            with CaptureQueriesContext(connection) as queries:
                response = client.post("/api/v1/suspensions/", body_of(islice(lines, size)), "application/json")
            if response.status_code != 200 or response.json()["summary"]["created"] != size:
                raise RuntimeError(f"the API answered {response.status_code}: {response.content[:500]!r}")
            counts.append(len(queries.captured_queries))
        transaction.set_rollback(True)
    say(f"Queries: {counts[0]} for a batch of {PROBE_BATCH}, {counts[1]} for {BATCH:,}")
    return counts[0], counts[1]


def api_key() -> str:
    from portal.audit.actors import Actor
    from portal.integrations.models import Integration
    from portal.integrations.services import api_key_issue

    integration, _created = Integration.objects.get_or_create(name="Bench platform")
    actor = Actor.system("bench/ingest.py")
    return api_key_issue(actor=actor, integration=integration, name="ingest", scopes=["suspensions:write"]).plaintext


def body_of(lines: Iterator[bytes]) -> bytes:
    return b"[" + b",".join(line.rstrip(b"\n") for line in lines) + b"]"


def api_measure(path: Path, rows: int, problems: list[str]) -> tuple[Load, tuple[int, int]]:
    suspensions_clear()
    queries = api_queries(path)
    key = api_key()
    port = free_port()
    with gunicorn(port):
        started = time.perf_counter()
        with path.open("rb") as lines:
            for batch in batched(lines, BATCH):
                created = post_batch(port, key, body_of(iter(batch)))
                if created != len(batch):
                    problems.append(f"the API created {created} of a batch of {len(batch)}")
        seconds = time.perf_counter() - started
    say(f"API of {rows:,}: {seconds:.2f} s")
    return Load(seconds), queries


def post_batch(port: int, key: str, body: bytes) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        connection.request("POST", "/api/v1/suspensions/", body=body, headers=headers)
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"the API answered {response.status}: {str(answer)[:500]}")
    return int(answer["summary"]["created"])


@contextlib.contextmanager
def gunicorn(port: int) -> Iterator[None]:
    """The project's gunicorn, one sync worker on a local port, stopped on the way out."""
    env = {
        **bench_env(),
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "GUNICORN_ACCESS_LOG": "off",
        "GUNICORN_TIMEOUT": "600",
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "portal.wsgi"]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    try:
        gunicorn_wait(server, f"http://127.0.0.1:{port}/api/v1/suspensions/", timeout=SERVER_START_SECONDS)
        yield
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# Checks


def rows_checksum() -> str:
    """One hash over every column the statement decides (not id, nor the times of the load), in puid order."""
    from django.db import connection

    names = [f.column for f in copy_columns() if f.name not in {"received_at", "updated_at"}]
    columns = ", ".join(connection.ops.quote_name(name) for name in names)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT md5(string_agg(md5(ROW({columns})::text), '' ORDER BY puid)) FROM appeals_suspension")
        return str(cursor.fetchone()[0])


def rows_check(how: str, rows: int, expected: str) -> list[str]:
    from appeals.models import Suspension

    count = Suspension.objects.count()
    if count != rows:
        return [f"{how} left {count:,} suspensions, not {rows:,}"]
    if rows_checksum() != expected:
        return [f"{how} stored rows that differ from COPY's"]
    return []


def audit_check(received: int) -> list[str]:
    import io

    from django.core.management import CommandError, call_command

    from portal.audit.models import AuditEvent

    problems = []
    events = AuditEvent.objects.filter(action="suspension.received").count()
    if events != received:
        problems.append(f"{events:,} suspension.received events, not {received:,}")
    out = io.StringIO()
    try:
        call_command("audit_verify", stdout=out)
    except CommandError as error:
        problems.append(str(error))
    say(out.getvalue().strip())
    return problems


if __name__ == "__main__":
    sys.exit(main())
