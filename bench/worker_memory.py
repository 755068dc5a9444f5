"""The worker's memory as the outbox grows: `manage.py db_worker` delivering 1,000 and then 10,000 messages.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_worker_memory \\
        .venv/bin/python bench/worker_memory.py [--json PATH] [--quick]

For each size, the outbox is emptied, the messages are queued through notification_queue (which hands each to the
database task queue after commit, as in production), and the worker runs as its own process
(`db_worker --batch`: every task, then exit) against a local SMTP server (aiosmtpd) that counts each Message-ID.
Its peak resident memory comes from wait4. Memory should not grow with the number of messages; the bench fails if
any message does not arrive exactly once.
"""

import argparse
import email.policy
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from benchkit import (
    ROOT,
    Figure,
    bench_env,
    database_ensure,
    database_url,
    django_setup,
    figures_write,
    free_port,
    run_measured,
    say,
    tables_empty,
)

HOST = "127.0.0.1"
FULL_SIZES = [1_000, 10_000]
QUICK_SIZES = [100, 1_000]
GROWTH_TARGET = 1.2


class CountingMailbox:
    """Accepts everything and counts each Message-ID it receives."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self._headers = BytesHeaderParser(policy=email.policy.default)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received[str(self._headers.parsebytes(envelope.content)["Message-ID"])] += 1
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class WorkerRun:
    messages: int
    seconds: float
    peak_rss_mib: float


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    database_ensure(database_url())
    django_setup(tasks=True)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO
    mailbox = CountingMailbox()
    server = Controller(mailbox, hostname=HOST, port=free_port(HOST))
    server.start()
    try:
        runs = [deliver(size, mailbox, server.port) for size in (QUICK_SIZES if args.quick else FULL_SIZES)]
    finally:
        server.stop()
    figures_write(args.json, bench="worker_memory", method=METHOD, figures=summarise(runs))
    return 0


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZES} messages, for a smoke test")
    return parser.parse_args(argv)


METHOD = (
    "For each size the tables are emptied and the messages queued through notification_queue, which hands each to "
    "the database task queue after commit; then `manage.py db_worker --batch` runs as its own process, delivering "
    "to a local aiosmtpd server that counts each Message-ID (each must arrive exactly once), with "
    "DATABASE_CONN_MAX_AGE=60. Peak resident memory of the worker process from wait4."
)


def deliver(size: int, mailbox: CountingMailbox, port: int) -> WorkerRun:
    from portal.notifications.models import Notification

    tables_empty()
    mailbox.received.clear()
    queue(size)
    expected = set(Notification.objects.values_list("message_id", flat=True))
    # The worker keeps its database connection between tasks, as a production worker should (else it reconnects
    # for every task, three times slower here).
    env = {
        **bench_env(),
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(port),
        "DATABASE_CONN_MAX_AGE": "60",
    }
    command = [sys.executable, str(ROOT / "manage.py"), "db_worker", "--batch", "--no-startup-delay", "--no-reload"]
    worker = run_measured(command, env=env)
    if worker.returncode != 0:
        raise RuntimeError(f"db_worker failed: {worker.stderr[-1000:]}")
    twice = [message_id for message_id, times in mailbox.received.items() if times > 1]
    missing = expected - set(mailbox.received)
    if twice or missing or len(expected) != size:
        raise RuntimeError(f"{len(missing)} message(s) missing, {len(twice)} received twice, of {size}")
    say(f"  {size:,} messages in {worker.seconds:.1f} s; worker peak {worker.peak_rss_mib:.0f} MiB")
    return WorkerRun(size, worker.seconds, worker.peak_rss_mib)


def queue(size: int) -> None:
    from django.db import transaction

    from portal.notifications.services import notification_queue

    for first in range(0, size, 500):
        with transaction.atomic():
            for number in range(first, min(first + 500, size)):
                notification_queue(
                    template="appeal_received",
                    recipient_email=f"person{number}@bench.invalid",
                    context={"reference": f"RC-BENCH-{number:05d}", "handle": f"person{number}"},
                )


def summarise(runs: list[WorkerRun]) -> list[Figure]:
    small, big = runs[0], runs[-1]
    return [
        Figure(
            f"db_worker peak memory, {big.messages:,} messages",
            round(big.peak_rss_mib, 1),
            "MiB",
            f"the same with {small.messages:,} messages",
            round(small.peak_rss_mib, 1),
            f"flat (≤ {GROWTH_TARGET}× with 10× the messages)",
            big.peak_rss_mib <= GROWTH_TARGET * small.peak_rss_mib,
        ),
        Figure(
            f"db_worker delivery, {big.messages:,} messages",
            round(big.messages / big.seconds, 1),
            "messages/s",
            f"the same with {small.messages:,} messages",
            round(small.messages / small.seconds, 1),
            "reported (includes the worker's start)",
            None,
        ),
    ]


if __name__ == "__main__":
    sys.exit(main())
