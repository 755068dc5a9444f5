"""The read paths at 1,000, 100,000 and 1,000,000 appeals: the review queue, the API's appeal list, and take-next.

    SECRET_KEY=x DATABASE_URL=postgres://postgres@127.0.0.1:5432/recourse_bench_reads \\
        .venv/bin/python bench/reads.py [--json PATH] [--quick]

At each size, each page is requested in this process through Django's test client (a reviewer signed in with
password and TOTP; the platform with a real API key), a few times to warm up and then --requests times: the median
and 95th percentile of the time around each request, and the number of queries it made. The target is the same
query count at every size and a median under 30 ms at the largest. After the reads at the largest size, eight
reviewers in eight threads, each with its own connection, take-next until --claims appeals are claimed; it fails
if any appeal is handed out twice. See bench/appeal_data.py for how the appeals are made.
"""

import argparse
import base64
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import appeal_data
from benchkit import (
    Figure,
    analyze,
    database_ensure,
    database_url,
    django_setup,
    figures_write,
    median,
    percentile,
    say,
    server_connect,
)

# What README's "PostgreSQL settings" section asks of a production database, set on the bench's own: the data is in
# memory or on SSD (a random read costs about what a sequential one does), and on a machine with few cores a query
# that reads 51 rows in index order gains nothing from parallel workers, each of which walks that index too.
PLANNER_SETTINGS = {"random_page_cost": "1.1", "max_parallel_workers_per_gather": "0"}
FULL_SIZES = [1_000, 100_000, 1_000_000]
QUICK_SIZES = [200, 2_000, 20_000]
MEDIAN_TARGET_MS = 30.0


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    query: dict[str, str]
    client: str  # "reviewer" or "platform"


@dataclass
class Timing:
    page: Page
    size: int
    milliseconds: list[float]
    queries: list[int]


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    database_ensure(database_url())
    planner_settings(database_url())
    django_setup()
    client_setup()
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    say(f"Making {sizes[0]:,} appeals through the services ...")
    staff = appeal_data.base_build(sizes[0])
    growth = appeal_data.Growth(final_size=sizes[-1])
    timings: list[Timing] = []
    for size in sizes:
        appeal_data.grow_to(size, growth)
        analyze()
        timings += measure_pages(size, staff, requests=args.requests)
    claims = take_next_race(staff.reviewers, claims=args.claims)
    mishandled = claims.mishandled()
    figures = summarise(timings, sizes, claims, mishandled)
    figures_write(args.json, bench="reads", method=method(sizes, args), figures=figures)
    if mishandled or claims.count < args.claims:
        say(f"FAILED: {claims.count:,} claims; handed out twice or held by someone else: {mishandled[:5]}")
        return 1
    return 0


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write the figures here, for bench/run.py")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_SIZES} appeals, for a smoke test")
    parser.add_argument("--requests", type=int, default=None, help="measured requests per page (50; quick 10)")
    parser.add_argument("--claims", type=int, default=None, help="appeals taken in the take-next race (2000)")
    args = parser.parse_args(argv)
    args.requests = args.requests or (10 if args.quick else 50)
    args.claims = args.claims or (200 if args.quick else 2000)
    return args


def planner_settings(url: str) -> None:
    import dj_database_url
    from psycopg import sql

    name = dj_database_url.parse(url)["NAME"]
    with server_connect(url) as connection:
        for setting, value in PLANNER_SETTINGS.items():
            statement = sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                sql.Identifier(name), sql.Identifier(setting), sql.Literal(value)
            )
            connection.execute(statement)


def method(sizes: Sequence[int], args: argparse.Namespace) -> str:
    return (
        f"{sizes[0]:,} appeals made through the services (ingest, notices, filing, claims, requests for information, "
        "escalations, decisions with approvals, withdrawals; dates then spread over 20 days with one UPDATE), then "
        f"copied with INSERT ... SELECT to {', '.join(f'{size:,}' for size in sizes[1:])} (the services would take "
        "hours): closed appeals with their decisions in every copy, open ones until the table holds 30% of its "
        "final size, so about a tenth are open at the largest size; VACUUM ANALYZE after each step. Each page is "
        f"requested {args.requests} times (after 3 warm-up requests) in-process through Django's test client: "
        "the review queue as a reviewer signed in with password and TOTP, /api/v1/appeals/ with a real API key; "
        "the time is around the request, the query count from CaptureQueriesContext. Take-next: 8 reviewers in 8 "
        f"threads, each with its own connection, call appeal_claim_next until {args.claims:,} appeals are claimed at "
        f"{sizes[-1]:,}; any appeal claimed twice fails the bench. The database has "
        + ", ".join(f"{name} = {value}" for name, value in PLANNER_SETTINGS.items())
        + " (README, PostgreSQL settings)."
    )


# --- pages ----------------------------------------------------------------------------------------------------------


def pages() -> list[Page]:
    from appeals.models import Wave

    wave = Wave.objects.get(key=appeal_data.WAVES[0])
    moment = _recent_decision_moment()
    return [
        Page("queue: open appeals, first page", "/review/", {}, "reviewer"),
        Page("queue: one category", "/review/", {"category": "STATEMENT_CATEGORY_VIOLENCE"}, "reviewer"),
        Page("queue: one wave", "/review/", {"wave": str(wave.pk)}, "reviewer"),
        Page("queue: overdue", "/review/", {"due": "overdue"}, "reviewer"),
        Page("queue: page 20", "/review/", {"page": "20"}, "reviewer"),
        Page("API list: first page", "/api/v1/appeals/", {}, "platform"),
        Page("API list: status=decided", "/api/v1/appeals/", {"status": "decided"}, "platform"),
        Page("API list: cursor in the middle", "/api/v1/appeals/", {"cursor": _middle_cursor()}, "platform"),
        Page("API list: decided in the last day", "/api/v1/appeals/", {"decided_after": moment}, "platform"),
    ]


def _middle_cursor() -> str:
    """A cursor as the list's `next` link carries it, pointing half way through the table (by id)."""
    from appeals.models import Appeal

    ids = Appeal.objects.order_by("id").values_list("id", flat=True)
    middle = ids[Appeal.objects.count() // 2]
    return base64.b64encode(urlencode({"p": str(middle)}).encode()).decode()


def _recent_decision_moment() -> str:
    from django.utils import timezone

    return (timezone.now() - timedelta(days=1)).isoformat()


def measure_pages(size: int, staff: appeal_data.Staff, *, requests: int) -> list[Timing]:
    reviewer = reviewer_client(staff.reviewers[0])
    timings = []
    for page in pages():
        client = reviewer if page.client == "reviewer" else platform_client()
        timing = measure(page, size, client, requests=requests)
        say(
            f"  {size:>9,}  {page.name:<40} p50 {median(timing.milliseconds):6.1f} ms  "
            f"p95 {percentile(timing.milliseconds, 0.95):6.1f} ms  {max(timing.queries)} queries"
        )
        timings.append(timing)
    return timings


def measure(page: Page, size: int, client: Any, *, requests: int) -> Timing:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    timing = Timing(page, size, [], [])
    for number in range(3 + requests):
        reset_queries()  # the log keeps 9,000 queries: once full, CaptureQueriesContext would count none
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(page.path, page.query)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise RuntimeError(f"{page.name}: HTTP {response.status_code}: {response.content[:300]!r}")
        if number >= 3:
            timing.milliseconds.append(elapsed)
            timing.queries.append(len(queries))
    return timing


def client_setup() -> None:
    """The test client's host name is allowed (as the test runner does) and sign-ins are not logged line by line."""
    import logging

    from django.conf import settings

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.getLogger("axes").setLevel(logging.WARNING)


def reviewer_client(user: Any) -> Any:
    """A browser session signed in with password and TOTP, as tests/conftest.py's staff_client makes one."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device, _created = TOTPDevice.objects.get_or_create(user=user, name="bench", defaults={"confirmed": True})
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def platform_client() -> Any:
    """A fresh key for each page, so the API's rate limit (per key, per minute) never answers 429 here."""
    from django.test import Client

    from portal.audit.actors import Actor
    from portal.integrations.models import Integration, Scope
    from portal.integrations.services import api_key_issue

    owner, _created = Integration.objects.get_or_create(name="Bench platform")
    issued = api_key_issue(actor=Actor.system("bench"), integration=owner, name="bench", scopes=[Scope.APPEALS_READ])
    return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}")


# --- take next ------------------------------------------------------------------------------------------------------


@dataclass
class Claims:
    reviewers: int
    claimed: dict[int, list[int]]  # reviewer pk: the appeals handed to them, in order
    milliseconds: list[float]
    seconds: float

    @property
    def count(self) -> int:
        return sum(len(pks) for pks in self.claimed.values())

    def mishandled(self) -> list[int]:
        """Appeals handed out more than once, or not held afterwards by the reviewer they were handed to."""
        from appeals.models import Appeal

        handed = Counter(pk for pks in self.claimed.values() for pk in pks)
        twice = [pk for pk, times in handed.items() if times > 1]
        holders = dict(Appeal.objects.filter(pk__in=list(handed)).values_list("pk", "assigned_to_id"))
        elsewhere = [pk for reviewer, pks in self.claimed.items() for pk in pks if holders.get(pk) != reviewer]
        return sorted(set(twice + elsewhere))


def take_next_race(reviewers: list[Any], *, claims: int) -> Claims:
    """Each reviewer in a thread of their own, with their own connection, takes next until `claims` appeals are
    claimed between them."""
    from django.db import connection

    from appeals.services import appeal_claim_next

    result = Claims(len(reviewers), {reviewer.pk: [] for reviewer in reviewers}, [], 0.0)
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(len(reviewers))
    taken = 0

    def one_more() -> bool:
        nonlocal taken
        with lock:
            taken += 1
            return taken <= claims

    def work(reviewer: Any) -> None:
        try:
            start.wait()
            while one_more():
                began = time.perf_counter()
                appeal = appeal_claim_next(by=reviewer, ip="192.0.2.1")
                took = (time.perf_counter() - began) * 1000
                if appeal is None:
                    return
                with lock:
                    result.claimed[reviewer.pk].append(appeal.pk)
                    result.milliseconds.append(took)
        except BaseException as error:  # reported below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    say(f"Take-next: {len(reviewers)} reviewers race for {claims:,} appeals ...")
    threads = [threading.Thread(target=work, args=(reviewer,)) for reviewer in reviewers]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    if errors:
        raise RuntimeError(f"take-next failed in a thread: {errors[0]!r}") from errors[0]
    return result


# --- figures --------------------------------------------------------------------------------------------------------


def summarise(timings: list[Timing], sizes: Sequence[int], claims: Claims, mishandled: list[int]) -> list[Figure]:
    figures = []
    largest = sizes[-1]
    for name in dict.fromkeys(timing.page.name for timing in timings):
        runs = {timing.size: timing for timing in timings if timing.page.name == name}
        figures += _page_figures(name, runs, largest)
    figures += _claim_figures(claims, largest, mishandled)
    return figures


def _page_figures(name: str, runs: dict[int, Timing], largest: int) -> list[Figure]:
    smallest = min(runs)
    big, small = runs[largest], runs[smallest]
    seen = {size: sorted(set(timing.queries)) for size, timing in runs.items()}
    counts = {size: max(numbers) for size, numbers in seen.items()}
    same = len({tuple(numbers) for numbers in seen.values()}) == 1 and len(seen[largest]) == 1
    others = ", ".join(
        f"{size:,}" + ("" if len(seen[size]) == 1 else f" ({'/'.join(map(str, seen[size]))})")
        for size in sorted(seen)
        if size != largest
    )
    p50_big, p50_small = median(big.milliseconds), median(small.milliseconds)
    return [
        Figure(
            f"{name}: p50 at {largest:,}",
            round(p50_big, 2),
            "ms",
            f"p50 at {smallest:,}",
            round(p50_small, 2),
            f"< {MEDIAN_TARGET_MS:.0f} ms",
            p50_big < MEDIAN_TARGET_MS,
        ),
        Figure(
            f"{name}: p95 at {largest:,}",
            round(percentile(big.milliseconds, 0.95), 2),
            "ms",
            f"p95 at {smallest:,}",
            round(percentile(small.milliseconds, 0.95), 2),
            "reported",
            None,
        ),
        Figure(
            f"{name}: queries at {largest:,}",
            counts[largest],
            "queries",
            f"queries at {others}",
            counts[smallest],
            "same at every size",
            same,
        ),
    ]


def _claim_figures(claims: Claims, largest: int, mishandled: list[int]) -> list[Figure]:
    rate = claims.count / claims.seconds if claims.seconds else 0.0
    label = f"take-next, {claims.reviewers} reviewers at once, {claims.count:,} claims at {largest:,}"
    return [
        Figure(f"{label}: appeals claimed twice", len(mishandled), "appeals", "none", 0, "0", not mishandled),
        Figure(
            f"{label}: p95 per claim",
            round(percentile(claims.milliseconds, 0.95), 2),
            "ms",
            "p50 per claim",
            round(median(claims.milliseconds), 2),
            "reported",
            None,
        ),
        Figure(f"{label}: throughput", round(rate, 1), "claims/s", "", None, "reported", None),
    ]


if __name__ == "__main__":
    sys.exit(main())
