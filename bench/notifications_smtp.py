"""How fast the outbox delivers over SMTP, and proof that every message arrives exactly once.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench \\
        .venv/bin/python bench/notifications_smtp.py --messages 10000 [--workers 2] [--json PATH] [--quick]

Creates the database if it is missing and migrates it, queues the messages through notification_queue (in
transactions of --batch), starts an SMTP server (aiosmtpd) on a free local port that counts what it receives by
Message-ID, points MAILERS at it, and delivers every message with notification_deliver: in this one process, or
in --workers processes that each walk the whole list and race for every row. It prints messages per
second and exits non-zero unless each message arrived exactly once, none went missing and every row is `sent`.
Beside it, as the limit measured in the same run, the same number of messages is rendered and sent straight to the
same server over one connection, with no outbox and no database: what the mail path alone can do here.

The bench is the worker here, so the worker hand-off notification_queue makes after commit goes to Django's dummy
task backend instead of the database. Messages from an earlier run (addressed to @bench.invalid) are deleted first.
The whole run stops at --timeout seconds; whatever was not delivered by then counts as missing.
"""

import argparse
import email.policy
import json
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

import benchkit
from aiosmtpd.controller import Controller

HOST = "127.0.0.1"
DOMAIN = "bench.invalid"  # never a real recipient, so an earlier run's rows can be told apart and removed
DIRECT_DOMAIN = "direct.bench.invalid"
SMTP_TIMEOUT_SECONDS = 10


class CountingMailbox:
    """Accepts everything and counts each Message-ID it receives (in the server's thread)."""

    def __init__(self) -> None:
        self.received: Counter[str] = Counter()
        self._headers = BytesHeaderParser(policy=email.policy.default)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message_id = str(self._headers.parsebytes(envelope.content)["Message-ID"])
        if not message_id.endswith(f"@{DIRECT_DOMAIN}>"):
            self.received[message_id] += 1
        return "250 Message accepted for delivery"


@dataclass
class Run:
    requested: int
    ids: list[int]
    message_ids: dict[int, str]
    queue_seconds: float
    deliver_seconds: float = 0.0
    outcomes: Counter[str] = field(default_factory=Counter)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    deadline = time.time() + args.timeout  # wall clock: worker processes share it
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        print("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/recourse_bench")
        return 2
    benchkit.database_ensure(database_url)
    django_setup()
    mailbox = CountingMailbox()
    server = Controller(mailbox, hostname=HOST, port=benchkit.free_port(HOST))
    server.start()
    try:
        mailers_point_at(server.port)
        direct_rate = direct_send_rate(args.messages)
        run = queue_messages(args.messages, batch=args.batch, deadline=deadline)
        if args.workers == 1:
            deliver_in_this_process(run, deadline=deadline)
        else:
            deliver_in_processes(run, workers=args.workers, port=server.port, deadline=deadline)
    finally:
        server.stop()
    return report(run, mailbox.received, workers=args.workers, direct_rate=direct_rate, json_path=args.json)


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=10_000, help="how many messages to send (10000)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes racing for the same rows (1)")
    parser.add_argument("--batch", type=int, default=500, help="messages queued per transaction (500)")
    parser.add_argument("--timeout", type=float, default=900, help="stop after this many seconds (900)")
    parser.add_argument("--json", type=Path, help="also write the figures here, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help="1,000 messages, for a smoke test")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages = min(args.messages, 1_000)
    if args.messages < 1 or args.workers < 1 or args.batch < 1 or args.timeout <= 0:
        parser.error("--messages, --workers, --batch and --timeout must be positive")
    return args


def django_setup(*, migrate: bool = True) -> None:
    benchkit.django_setup(migrate=migrate)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every SMTP command at INFO


def mailers_point_at(port: int) -> None:
    from django.conf import settings

    backend = "django.core.mail.backends.smtp.EmailBackend"
    options = {"host": HOST, "port": port, "timeout": SMTP_TIMEOUT_SECONDS}
    settings.MAILERS = {"default": {"BACKEND": backend, "OPTIONS": options}}


def direct_send_rate(count: int) -> float:
    """Messages per second rendered and sent over one SMTP connection, with no outbox and no database. They go to
    addresses the outbox run never uses, so they are not counted as its deliveries."""
    from django.core.mail import mailers

    from portal.notifications.delivery import _compose
    from portal.notifications.models import Notification

    backend = mailers.default
    backend.open()
    started = time.perf_counter()
    try:
        for number in range(count):
            notification = Notification(
                template="appeal_received",
                recipient_email=f"direct{number}@{DIRECT_DOMAIN}",
                context={"reference": f"RC-DIRECT-{number:05d}", "handle": f"direct{number}"},
                message_id=f"<direct-{number}@{DIRECT_DOMAIN}>",
            )
            backend.send_messages([_compose(notification)])
    finally:
        backend.close()
    rate = count / (time.perf_counter() - started)
    print(f"Sent {count} messages straight over one connection: {rate:.0f} messages/second.", file=sys.stderr)
    return rate


def queue_messages(count: int, *, batch: int, deadline: float) -> Run:
    from django.db import transaction

    from portal.notifications.models import Notification
    from portal.notifications.services import notification_queue

    Notification.objects.filter(recipient_email__endswith=f"@{DOMAIN}").delete()
    ids: list[int] = []
    started = time.perf_counter()
    for first in range(0, count, batch):
        if time.time() > deadline:
            break
        with transaction.atomic():
            for number in range(first, min(first + batch, count)):
                notification = notification_queue(
                    template="appeal_received",
                    recipient_email=f"person{number}@{DOMAIN}",
                    context={"reference": f"RC-BENCH-{number:05d}", "handle": f"person{number}"},
                )
                ids.append(notification.pk)
    queue_seconds = time.perf_counter() - started
    message_ids = dict(Notification.objects.filter(pk__in=ids).values_list("pk", "message_id"))
    print(f"Queued {len(ids)} messages in {queue_seconds:.1f} s.", file=sys.stderr)
    return Run(requested=count, ids=ids, message_ids=message_ids, queue_seconds=queue_seconds)


def deliver_in_this_process(run: Run, *, deadline: float) -> None:
    started = time.perf_counter()
    run.outcomes.update(deliver_ids(run.ids, deadline=deadline))
    run.deliver_seconds = time.perf_counter() - started


def deliver_in_processes(run: Run, *, workers: int, port: int, deadline: float) -> None:
    """Worker processes, each walking the whole list: every row is raced for, and the claim must let one win.
    The clock starts once every process has set Django up."""
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(workers + 1)
    results = context.Queue()
    processes = [
        context.Process(target=worker_process, args=(run.ids, port, deadline, ready, results), name=f"worker-{n}")
        for n in range(workers)
    ]
    for process in processes:
        process.start()
    try:
        ready.wait(timeout=max(deadline - time.time(), 1))
        started = time.perf_counter()
        for _ in processes:
            # A worker still sending at the deadline finishes that one message (bounded by the SMTP timeout).
            run.outcomes.update(results.get(timeout=max(deadline - time.time(), 0) + 2 * SMTP_TIMEOUT_SECONDS))
        run.deliver_seconds = time.perf_counter() - started
    except (threading.BrokenBarrierError, queue.Empty):
        run.outcomes["worker lost"] += 1
    finally:
        for process in processes:
            process.join(timeout=SMTP_TIMEOUT_SECONDS)
            if process.is_alive():
                process.terminate()


def worker_process(ids: list[int], port: int, deadline: float, ready: Any, results: Any) -> None:
    django_setup(migrate=False)
    mailers_point_at(port)
    ready.wait()
    results.put(deliver_ids(ids, deadline=deadline))


def deliver_ids(ids: list[int], *, deadline: float) -> Counter[str]:
    from django.db import connection

    from portal.notifications.delivery import notification_deliver

    outcomes: Counter[str] = Counter()
    try:
        for notification_id in ids:
            if time.time() > deadline:
                outcomes["stopped at the time limit"] += 1
                break
            outcomes[str(notification_deliver(notification_id))] += 1
    finally:
        connection.close()
    return outcomes


def report(run: Run, received: Counter[str], *, workers: int, direct_rate: float, json_path: Path | None = None) -> int:
    from portal.notifications.models import Notification, NotificationStatus

    expected = set(run.message_ids.values())
    duplicated = sorted(message_id for message_id, times in received.items() if times > 1)
    missing = sorted(expected - set(received))
    unexpected = sorted(set(received) - expected)
    not_sent = Notification.objects.filter(pk__in=run.ids).exclude(status=NotificationStatus.SENT).count()
    rate = run.outcomes["sent"] / run.deliver_seconds if run.deliver_seconds else 0.0
    print(
        f"Delivered {run.outcomes['sent']} of {len(run.ids)} messages in {run.deliver_seconds:.1f} s with "
        f"{workers} worker process(es): {rate:.0f} messages/second (queueing: "
        f"{len(run.ids) / run.queue_seconds:.0f} messages/second)."
    )
    print(f"Outcomes: {dict(sorted(run.outcomes.items()))}; received by the server: {received.total()}.")
    problems = [
        f"only {len(run.ids)} of {run.requested} queued by the time limit" if len(run.ids) < run.requested else "",
        f"{len(duplicated)} Message-ID(s) received more than once, e.g. {duplicated[:3]}" if duplicated else "",
        f"{len(missing)} message(s) never received, e.g. {missing[:3]}" if missing else "",
        f"{len(unexpected)} unexpected Message-ID(s), e.g. {unexpected[:3]}" if unexpected else "",
        f"{not_sent} row(s) not marked sent" if not_sent else "",
    ]
    problems = [problem for problem in problems if problem]
    if json_path:
        write_json(json_path, run, workers=workers, rate=rate, direct_rate=direct_rate, ok=not problems)
    if problems:
        print("FAILED: " + "; ".join(problems) + ".")
        return 1
    print(f"OK: each of the {len(expected)} messages arrived exactly once.")
    return 0


def write_json(path: Path, run: Run, *, workers: int, rate: float, direct_rate: float, ok: bool) -> None:
    count = len(run.ids)
    figures = {
        "bench": "notifications",
        "method": f"{count:,} messages queued through notification_queue, then delivered by notification_deliver "
        f"({workers} worker process(es)) to a local aiosmtpd server that counts each Message-ID; the limit is the "
        "same number rendered and sent straight over one SMTP connection, with no outbox and no database.",
        "rows": [
            {
                "figure": f"Outbox delivery, {count:,} messages, {workers} worker(s)",
                "value": round(rate, 1),
                "unit": "messages/s",
                "limit": "the same messages sent straight over one connection",
                "limit_value": round(direct_rate, 1),
                "ratio": round(rate / direct_rate, 2) if direct_rate else None,
                "target": "each message delivered exactly once",
                "ok": ok,
            },
            {
                "figure": "Queueing through the outbox",
                "value": round(count / run.queue_seconds, 1) if run.queue_seconds else None,
                "unit": "messages/s",
                "limit": "",
                "limit_value": None,
                "ratio": None,
                "target": "",
                "ok": None,
            },
        ],
    }
    path.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    sys.exit(main())
