"""audit_verify over 1,000,000 and 10,000,000 events, beside a plain read of the same table in the same run.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_audit \\
        .venv/bin/python bench/audit.py [--json PATH] [--quick]

The chain starts with the events the services write while making a few hundred appeals (bench/appeal_data.py).
Appending ten million events through audit_record would take hours, so the rest are made here: each takes the
actor, action, target and data of one of those real events in turn (with its own target id and time), is chained to
the one before with portal.audit.chain.event_hash (the function audit_record uses), and is loaded with COPY in
chunks. Then, at each size, `manage.py audit_verify` runs as its own process (wall time and its peak resident memory)
beside two plain reads of the same columns in chain order: COPY ... TO STDOUT with the output thrown away (the
database's own speed), and a server-side cursor fetching every row into Python tuples. The bench fails if
audit_verify does not pass the intact chain, or does not name an event changed behind the application's back.
"""

import argparse
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import appeal_data
from benchkit import (
    ROOT,
    Figure,
    bench_env,
    database_ensure,
    database_url,
    django_setup,
    figures_write,
    run_measured,
    say,
    server_connect,
)

FULL_SIZES = [1_000_000, 10_000_000]
QUICK_SIZES = [5_000, 50_000]
CHUNK = 100_000
COLUMNS = (
    "seq, created_at, actor_kind, actor_id, actor_label, action, target_type, target_id, data, ip, prev_hash, hash"
)
IN_CHAIN_ORDER = f"SELECT {COLUMNS} FROM audit_auditevent ORDER BY seq"
RATIO_TARGET = 2.0
MEMORY_GROWTH_TARGET = 1.2


@dataclass(frozen=True)
class Measurement:
    size: int
    verify_seconds: float
    verify_rss_mib: float
    copy_seconds: float
    cursor_seconds: float


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    database_ensure(database_url())
    django_setup()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    say("Making appeals through the services, for real events to start the chain ...")
    appeal_data.base_build(40 if args.quick else 200)
    templates = real_events()
    measurements = []
    for size in sizes:
        events_append_until(size, templates)
        vacuum_analyze()
        measurements.append(measure(size))
        if size == sizes[0]:
            tamper_is_named(size)
    figures_write(args.json, bench="audit", method=method(sizes, len(templates)), figures=summarise(measurements))
    return 0


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZES} events, for a smoke test")
    return parser.parse_args(argv)


def method(sizes: Sequence[int], real: int) -> str:
    return (
        f"The chain starts with the {real:,} events the services wrote while making appeals; the rest, to "
        f"{' and '.join(f'{size:,}' for size in sizes)} events, copy those events' actors, actions, targets and data "
        "in turn (each with its own target id and time), in the form events had before personal data moved beside "
        "the chain (no personal part: the verifier still joins the personal-data table for every event, but checks "
        "no commitment for them; one with a personal part costs about a tenth more to check in Python), are chained "
        "with the same event_hash audit_record uses and "
        f"loaded with COPY in chunks of {CHUNK:,} (appending through audit_record would take hours); VACUUM ANALYZE "
        "after loading. `manage.py audit_verify` runs in its own process: wall time (including the command's start, "
        "about a second, which dominates at --quick sizes), and peak resident memory from wait4. Beside it, in the "
        "same run, the same columns in chain order read with COPY ... TO STDOUT (output discarded) and with a "
        "server-side cursor fetching every row into Python. A changed event must be named."
    )


# --- making the chain -----------------------------------------------------------------------------------------------


def real_events() -> list[dict[str, Any]]:
    from portal.audit.chain import HASHED_FIELDS
    from portal.audit.models import AuditEvent

    return list(AuditEvent.objects.order_by("seq").values(*HASHED_FIELDS, "hash"))


def events_append_until(size: int, templates: list[dict[str, Any]]) -> None:
    """Chain and COPY events until the table holds `size`, each chunk in its own transaction."""
    from django.db import connection, transaction

    from portal.audit.models import AuditEvent

    head = AuditEvent.objects.order_by("-seq").values(*templates[0]).first()
    assert head is not None
    started = time.perf_counter()
    have = head["seq"]
    while have < size:
        count = min(CHUNK, size - have)
        with (
            transaction.atomic(),
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY audit_auditevent ({COLUMNS}) FROM STDIN") as copy,
        ):
            for event in chained(head, templates, count):
                copy.write_row([event[name] for name in COLUMNS.split(", ")])
                head = event
        have += count
        if have % 1_000_000 == 0 or have == size:
            say(f"  {have:,} events ({have / (time.perf_counter() - started):,.0f} per second)")


def chained(head: dict[str, Any], templates: list[dict[str, Any]], count: int) -> Iterator[dict[str, Any]]:
    from psycopg.types.json import Jsonb

    from portal.audit.chain import event_hash

    seq, prev_hash, moment = head["seq"], head["hash"], head["created_at"]
    for _number in range(count):
        seq += 1
        moment += timedelta(milliseconds=3)
        template = templates[seq % len(templates)]
        fields = {
            **template,
            "seq": seq,
            "created_at": moment,
            "target_id": f"{template['target_id']}~{seq}",
            "prev_hash": prev_hash,
        }
        prev_hash = fields["hash"] = event_hash(fields)
        yield {**fields, "data": Jsonb(fields["data"])}


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE audit_auditevent")


# --- measuring ------------------------------------------------------------------------------------------------------


def measure(size: int) -> Measurement:
    say(f"At {size:,} events:")
    copy_seconds = copy_read_seconds()
    cursor_seconds = cursor_read_seconds()
    verify = run_measured([sys.executable, str(ROOT / "manage.py"), "audit_verify"], env=bench_env())
    if verify.returncode != 0 or f"intact: {size} events" not in verify.stdout:
        raise RuntimeError(f"audit_verify did not pass the intact chain of {size:,}: {verify.stdout[-500:]}")
    say(
        f"  audit_verify {verify.seconds:.1f} s, {verify.peak_rss_mib:.0f} MiB; COPY {copy_seconds:.1f} s; "
        f"cursor {cursor_seconds:.1f} s"
    )
    return Measurement(size, verify.seconds, verify.peak_rss_mib, copy_seconds, cursor_seconds)


def copy_read_seconds() -> float:
    with server_connect(database_url(), dbname=_database_name()) as connection:
        started = time.perf_counter()
        with connection.cursor() as cursor, cursor.copy(f"COPY ({IN_CHAIN_ORDER}) TO STDOUT") as copy:
            for _block in copy:
                pass
        return time.perf_counter() - started


def cursor_read_seconds() -> float:
    with server_connect(database_url(), dbname=_database_name()) as connection, connection.transaction():
        started = time.perf_counter()
        with connection.cursor(name="plain_read") as cursor:
            cursor.itersize = 10_000
            cursor.execute(IN_CHAIN_ORDER)
            for _row in cursor:
                pass
        return time.perf_counter() - started


def _database_name() -> str:
    import dj_database_url

    return str(dj_database_url.parse(database_url())["NAME"])


def tamper_is_named(size: int) -> None:
    """Change one event's data behind the application's back, check audit_verify names it, then put it back."""
    from django.db import connection, transaction

    seq = size // 2
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # past the append-only trigger
        cursor.execute("SELECT data::text FROM audit_auditevent WHERE seq = %s", [seq])
        original = cursor.fetchone()[0]
        cursor.execute("UPDATE audit_auditevent SET data = '{\"forged\": true}' WHERE seq = %s", [seq])
    verify = run_measured([sys.executable, str(ROOT / "manage.py"), "audit_verify"], env=bench_env())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE audit_auditevent SET data = %s::jsonb WHERE seq = %s", [original, seq])
    if verify.returncode == 0 or f"#{seq}" not in verify.stdout + verify.stderr:
        raise RuntimeError(f"audit_verify did not name the changed event #{seq}: {verify.stderr[-500:]}")
    say(f"  a changed event #{seq} is named ({verify.seconds:.1f} s)")


# --- figures --------------------------------------------------------------------------------------------------------


def summarise(measurements: list[Measurement]) -> list[Figure]:
    small, big = measurements[0], measurements[-1]
    rss_ratio = big.verify_rss_mib / small.verify_rss_mib
    return [
        Figure(
            f"audit_verify, {big.size:,} events",
            round(big.verify_seconds, 2),
            "s",
            "COPY of the same columns in chain order, output discarded",
            round(big.copy_seconds, 2),
            f"≤ {RATIO_TARGET:.0f}× COPY",
            big.verify_seconds <= RATIO_TARGET * big.copy_seconds,
        ),
        Figure(
            f"audit_verify, {big.size:,} events",
            round(big.verify_seconds, 2),
            "s",
            "the same rows fetched into Python by a server-side cursor",
            round(big.cursor_seconds, 2),
            f"≤ {RATIO_TARGET:.0f}× the cursor read",
            big.verify_seconds <= RATIO_TARGET * big.cursor_seconds,
        ),
        Figure(
            f"audit_verify, {small.size:,} events",
            round(small.verify_seconds, 2),
            "s",
            "COPY of the same columns in chain order, output discarded",
            round(small.copy_seconds, 2),
            f"≤ {RATIO_TARGET:.0f}× COPY",
            small.verify_seconds <= RATIO_TARGET * small.copy_seconds,
        ),
        Figure(
            f"audit_verify peak memory, {big.size:,} events",
            round(big.verify_rss_mib, 1),
            "MiB",
            f"the same at {small.size:,} events",
            round(small.verify_rss_mib, 1),
            f"flat (≤ {MEMORY_GROWTH_TARGET}× with 10× the events)",
            rss_ratio <= MEMORY_GROWTH_TARGET,
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
