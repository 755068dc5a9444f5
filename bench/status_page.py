"""The appellant's status page under load, served by gunicorn, beside a bare Django view on the same server.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_status_page \\
        .venv/bin/python bench/status_page.py [--json PATH] [--quick]

Makes appeals through the services (bench/appeal_data.py) and one more appellant whose appeal has been worked the
whole way: claimed, asked for information, answered, overturned. That appellant signs in the real way (a sign-in
link requested, its token redeemed by POSTing to the sign-in page), and the session cookie goes to wrk. gunicorn
starts with the project's gunicorn.conf.py on a free port of 127.0.0.1, serving bench/bare_urls.py: the portal plus
/bench/bare/, a view that returns "ok" through the same middleware. wrk (bounded: -t2 -c16, fixed duration) then
alternates between the bare view and the status page, each with the same cookie. The target is at least half the
bare view's requests per second. The bench fails if the status page does not answer 200 with the appeal on it.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
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
    free_port,
    gunicorn_wait,
    median,
    say,
)

HOST = "127.0.0.1"
RATIO_TARGET = 0.5
# Each worker keeps its database connection (as README's production settings advise) unless the environment says.
CONN_MAX_AGE = os.environ.get("DATABASE_CONN_MAX_AGE", "60")
BARE = "/bench/bare/"
START = "/appeal/"  # the public start page: the base layout, the session and nothing else


@dataclass(frozen=True)
class WrkRun:
    path: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    database_ensure(database_url())
    django_setup()
    say("Making appeals through the services ...")
    appeal_data.base_build(60 if args.quick else 1000)
    reference, cookie = appellant_signed_in()
    port = free_port()
    server = gunicorn_start(port)
    try:
        page = f"/appeal/appeals/{reference}/"
        wait_until_serving(server, port, page, cookie, reference)
        runs = alternate(port, [BARE, START, page], cookie, rounds=args.rounds, seconds=args.seconds)
        worker_peak = gunicorn_worker_peak_mib(server.pid)
    finally:
        gunicorn_stop(server)
    figures = summarise(runs, page, worker_peak)
    figures_write(args.json, bench="status_page", method=method(args), figures=figures)
    return 0


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help="3-second runs over a few appeals, for a smoke test")
    args = parser.parse_args(argv)
    args.seconds = 3 if args.quick else 10
    args.rounds = 1 if args.quick else 2
    return args


def method(args: argparse.Namespace) -> str:
    return (
        f"gunicorn with the project's gunicorn.conf.py (default workers, access log off, DATABASE_CONN_MAX_AGE="
        f"{CONN_MAX_AGE}) on 127.0.0.1, serving the "
        "portal plus a bare view that returns 'ok' through the same middleware. The appellant signed in through a "
        "real sign-in link; their appeal was claimed, asked for information, answered and overturned through the "
        f"services. wrk -t2 -c16 -d{args.seconds}s with the session cookie, in turn on the bare view, the start page "
        "(the layout alone) and the status page, "
        f"{args.rounds} run(s) each after a 2-second warm-up; requests per second are the mean of the runs, "
        "latencies from the last run's --latency percentiles. Worker memory is the largest VmHWM of gunicorn's "
        "workers after the runs."
    )


# --- the appellant --------------------------------------------------------------------------------------------------


def appellant_signed_in() -> tuple[str, str]:
    """An appeal worked the whole way, and a session cookie for its appellant from the real sign-in."""
    appeal = appeal_worked()
    return appeal.reference, session_cookie_for(appeal.suspension)


def appeal_worked() -> Any:
    from django.utils import timezone

    from accounts.models import User
    from appeals.models import NoticeStatus, Outcome
    from appeals.services import appeal_answer, appeal_claim, appeal_decide, appeal_file, appeal_request_info
    from appeals.suspensions import Statement, notice_record, suspensions_ingest_batch
    from portal.audit.actors import Actor

    platform = Actor.system("platform")
    fields = {
        "handle": "status_page_person",
        "account_email": "status_page_person@bench.invalid",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "application_date": timezone.now() - timedelta(days=5),
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community rules §4",
        "incompatible_content_explanation": "Posts shared material from a designated group.",
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "decision_facts": "Three posts on 2 November quoted a banned group's slogan.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": True,
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "territorial_scope": ["DE", "FR"],
    }
    suspension = suspensions_ingest_batch(actor=platform, statements=[Statement("status-page-1", fields)])[0].suspension
    assert suspension is not None
    sent_at = timezone.now() - timedelta(days=4)
    notice_record(
        actor=platform,
        suspension=suspension,
        channel="email",
        address=suspension.account_email,
        status=NoticeStatus.DELIVERED,
        sent_at=sent_at,
    )
    appeal = appeal_file(
        suspension=suspension,
        reason="context_missed",
        statement="I research extremist propaganda and posted it to debunk it. " * 4,
        contact_email=suspension.account_email,
        language="en",
    )
    reviewer = User.objects.get(email="reviewer0@bench.invalid")
    appeal_claim(appeal=appeal, by=reviewer)
    appeal_request_info(
        appeal=appeal, by=reviewer, body="Which articles did you write?", reply_by=timezone.now() + timedelta(days=7)
    )
    appeal_answer(appeal=appeal, body="The three linked in my profile, all debunking the slogan.")
    appeal.refresh_from_db()
    appeal_decide(appeal=appeal, by=reviewer, outcome=Outcome.OVERTURNED, reasons="The posts criticise the group.")
    return appeal


def session_cookie_for(suspension: Any) -> str:
    """Ask for a sign-in link, take its token from the outbox as the email would carry it, and use it."""
    import logging

    from django.conf import settings
    from django.test import Client

    from accounts.appellant_access import sign_in_link_request, token_for
    from portal.notifications.models import Notification

    logging.getLogger("axes").setLevel(logging.WARNING)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip="192.0.2.7")
    link = Notification.objects.filter(template="sign_in_link", recipient_email=suspension.account_email).latest("id")
    client = Client()
    response = client.post(f"/appeal/sign-in/{token_for(link.context['selector'])}/")
    if response.status_code != 302:
        raise RuntimeError(f"signing in answered {response.status_code}")
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


# --- the server -----------------------------------------------------------------------------------------------------


def gunicorn_start(port: int) -> subprocess.Popen[bytes]:
    env = {
        **bench_env(),
        "GUNICORN_BIND": f"{HOST}:{port}",
        "GUNICORN_ACCESS_LOG": "off",
        "DATABASE_CONN_MAX_AGE": CONN_MAX_AGE,
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "--config",
        str(ROOT / "gunicorn.conf.py"),
        "--pythonpath",
        str(ROOT / "bench"),
        "bare_urls:application",
    ]
    say(f"Starting gunicorn on {HOST}:{port} ...")
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def wait_until_serving(server: subprocess.Popen[bytes], port: int, page: str, cookie: str, reference: str) -> None:
    status, body = gunicorn_wait(server, f"http://{HOST}:{port}{page}", headers={"Cookie": cookie})
    if status != 200 or reference.encode() not in body:
        raise RuntimeError(f"the status page answered {status} without appeal {reference}: {body[:300]!r}")


def gunicorn_worker_peak_mib(master: int) -> float:
    """The largest peak resident memory (VmHWM) among the master's worker processes."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    peaks = []
    for pid in children:
        status = Path(f"/proc/{pid}/status").read_text()
        match = re.search(r"VmHWM:\s+(\d+) kB", status)
        if match:
            peaks.append(int(match.group(1)) / 1024)
    return max(peaks, default=0.0)


def gunicorn_stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- wrk ------------------------------------------------------------------------------------------------------------


def alternate(port: int, paths: list[str], cookie: str, *, rounds: int, seconds: int) -> dict[str, list[WrkRun]]:
    runs: dict[str, list[WrkRun]] = {path: [] for path in paths}
    for path in paths:
        wrk(port, path, cookie, seconds=2)  # warm-up: every worker has loaded its code and its connection
    for _round in range(rounds):
        for path in paths:
            run = wrk(port, path, cookie, seconds=seconds)
            say(f"  {path:<40} {run.requests_per_second:8.1f} req/s  p50 {run.p50_ms:.1f} ms  p99 {run.p99_ms:.1f} ms")
            if run.errors:
                raise RuntimeError(f"wrk saw {run.errors} errors or non-2xx answers on {path}")
            runs[path].append(run)
    return runs


def wrk(port: int, path: str, cookie: str, *, seconds: int) -> WrkRun:
    command = [
        "wrk",
        "-t2",
        "-c16",
        f"-d{seconds}s",
        "--latency",
        "-H",
        f"Cookie: {cookie}",
        f"http://{HOST}:{port}{path}",
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return WrkRun(
        path=path,
        requests_per_second=float(_after(r"Requests/sec:\s+([\d.]+)", output)),
        p50_ms=_milliseconds(_after(r"\s50%\s+([\d.]+\w+)", output)),
        p99_ms=_milliseconds(_after(r"\s99%\s+([\d.]+\w+)", output)),
        requests=int(_after(r"(\d+) requests in", output)),
        errors=_errors(output),
    )


def _after(pattern: str, output: str) -> str:
    match = re.search(pattern, output)
    if match is None:
        raise RuntimeError(f"wrk's output has no {pattern!r}: {output}")
    return match.group(1)


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _errors(output: str) -> int:
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return (int(non_2xx.group(1)) if non_2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)


# --- figures --------------------------------------------------------------------------------------------------------


def summarise(runs: dict[str, list[WrkRun]], page: str, worker_peak: float) -> list[Figure]:
    rate = {path: sum(run.requests_per_second for run in done) / len(done) for path, done in runs.items()}
    bare, status = runs[BARE], runs[page]
    return [
        Figure(
            "status page throughput (wrk -t2 -c16)",
            round(rate[page], 1),
            "req/s",
            "bare Django view on the same server",
            round(rate[BARE], 1),
            f"≥ {RATIO_TARGET}× the bare view",
            rate[page] >= RATIO_TARGET * rate[BARE],
        ),
        Figure(
            "start page throughput: the layout alone, no data",
            round(rate[START], 1),
            "req/s",
            "bare Django view on the same server",
            round(rate[BARE], 1),
            "reported: what any rendered page costs here",
            None,
        ),
        Figure(
            "status page latency p50",
            round(median([run.p50_ms for run in status]), 2),
            "ms",
            "bare view p50",
            round(median([run.p50_ms for run in bare]), 2),
            "reported",
            None,
        ),
        Figure(
            "status page latency p99",
            round(status[-1].p99_ms, 2),
            "ms",
            "bare view p99",
            round(bare[-1].p99_ms, 2),
            "reported",
            None,
        ),
        Figure("gunicorn worker peak memory", round(worker_peak, 1), "MiB", "", None, "reported", None),
    ]


if __name__ == "__main__":
    sys.exit(main())
