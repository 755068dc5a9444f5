"""What the read, status-page and audit benchmarks share: their own database, Django, timing, memory and the figures
file bench/run.py reads (see the bench contract in bench/run.py's docstring)."""

import contextlib
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/recourse_bench"
        )
    return url


def server_connect(url: str, dbname: str = "postgres") -> psycopg.Connection:
    config = dj_database_url.parse(url)
    return psycopg.connect(
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        dbname=dbname,
        autocommit=True,
        connect_timeout=10,
    )


def database_ensure(url: str) -> None:
    """Create the database unless it exists, by way of the server's `postgres` database."""
    name = dj_database_url.parse(url)["NAME"]
    with server_connect(url) as connection:
        if connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            return
        with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another run created it a moment ago
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        say(f"Created database {name}.")


def django_setup(*, migrate: bool = True, tasks: bool = False) -> None:
    """Django against DATABASE_URL. Unless `tasks`, the bench is the only worker: what services hand the worker
    after commit goes to Django's dummy task backend instead of the database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    if not tasks:
        settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    if migrate:
        call_command("migrate", verbosity=0, interactive=False)


def tables_empty(*, keep: Sequence[str] = ()) -> None:
    """Empty every table the project's models use, except the ones migrations fill (roles, permissions, content
    types) and `keep`, so each run starts from the same state."""
    from django.db import connection, transaction

    fixed = {"auth_group", "auth_permission", "auth_group_permissions", "django_content_type", "django_migrations"}
    tables = sorted(set(connection.introspection.django_table_names(only_existing=True)) - fixed - set(keep))
    with transaction.atomic(), connection.cursor() as cursor:
        # The audit table refuses TRUNCATE (a statement trigger); a replica-role session fires no triggers.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(f"TRUNCATE {', '.join(connection.ops.quote_name(t) for t in tables)} RESTART IDENTITY CASCADE")


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def percentile(values: Sequence[float], share: float) -> float:
    """The value below which `share` of the values fall (nearest rank), e.g. share=0.95 for the 95th percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


@dataclass(frozen=True)
class Figure:
    """One row of the table: a measured value beside the limit it is compared with."""

    figure: str
    value: float
    unit: str
    limit: str
    limit_value: float | None
    target: str
    ok: bool | None

    @property
    def ratio(self) -> float | None:
        if not self.limit_value:
            return None
        return round(self.value / self.limit_value, 3)


def figures_write(path: Path | None, *, bench: str, method: str, figures: Sequence[Figure]) -> None:
    rows = [{**asdict(figure), "ratio": figure.ratio} for figure in figures]
    for row in rows:
        say(f"  {row['figure']}: {row['value']} {row['unit']} (limit {row['limit_value']}, ok={row['ok']})")
    if path is not None:
        path.write_text(json.dumps({"bench": bench, "method": method, "rows": rows}, indent=2))


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    seconds: float
    peak_rss_mib: float
    stdout: str
    stderr: str


# wait4 reports a child's peak memory counting the pages it shared with the process that spawned it, until exec: a
# bench that spawns from a large process would read its own size. So a small launcher spawns the command and writes
# what wait4 says about it (peak KiB, exit code) to the file named first.
_LAUNCHER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(f"{usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def run_measured(command: Sequence[str], *, env: Mapping[str, str] | None = None) -> ChildRun:
    """Run a command to the end; its wall time and its own peak resident memory."""
    with (
        tempfile.NamedTemporaryFile("r") as figures,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        started = time.perf_counter()
        launcher = [sys.executable, "-c", _LAUNCHER, figures.name, *command]
        subprocess.run(launcher, cwd=ROOT, env=env, stdout=out, stderr=err, check=True)
        seconds = time.perf_counter() - started
        peak_kib, returncode = map(int, figures.read().split())
        out.seek(0)
        err.seek(0)
        return ChildRun(returncode, seconds, peak_kib / 1024, out.read(), err.read())


def bench_env() -> dict[str, str]:
    """The environment a child process (manage.py, gunicorn) needs to reach the same database and settings."""
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "PYTHONPATH": str(ROOT)}


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def gunicorn_wait(
    server: subprocess.Popen[Any], url: str, *, headers: Mapping[str, str] | None = None, timeout: float = 60
) -> tuple[int, bytes]:
    """Ask `url` again and again until the gunicorn just started answers it at all (any HTTP status; redirects are
    not followed), and return that first answer's status and body. Raises RuntimeError when gunicorn exits or the
    deadline passes first. The benchmarks and tests/slow start their servers this way."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    deadline = time.monotonic() + timeout
    while True:
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        try:
            connection.request("GET", path, headers=dict(headers or {}))
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode} before answering {url}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not answer {url} within {timeout:.0f} s") from None
            time.sleep(0.1)  # still starting: its socket is not open yet
        finally:
            connection.close()
