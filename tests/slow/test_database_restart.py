"""PostgreSQL restarted while gunicorn serves traffic and the worker sends mail and webhooks. The restart happens to
a private cluster this test starts (never the shared server on 5432): during the outage every request gets a clean
503 with Retry-After, never a 500; afterwards the same gunicorn workers answer 200 again, and every notification
and webhook is delivered."""

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import cycle
from pathlib import Path
from typing import Any
from urllib.error import URLError

import psycopg
import pytest

from tests.integrations.conftest import Receiver
from tests.notifications.conftest import SmtpServer
from tests.slow.conftest import (
    HOST,
    ROOT,
    Answer,
    Process,
    Visitor,
    app_env,
    event_ids_received,
    figure,
    free_port,
    gunicorn_start,
    manage,
    message_ids_received,
    outbox_env,
    wait_until,
    worker,
)

# This test's data lives in the private cluster, not in the test database.
pytestmark = [pytest.mark.slow, pytest.mark.postgres]

OUTAGE_SECONDS = 5
CLIENT_THREADS = 3
HANDLE = "restart_person"
EVENTS = 30


def setup_code(receiver_url: str) -> str:
    """Run in a fresh `manage.py shell` against the private cluster: the person whose links the traffic asks for,
    the platform's key and webhook endpoint, and events for it that the worker must deliver across the restart."""
    return f"""
from django.db import transaction
from portal.audit.actors import Actor
from portal.integrations.services import webhook_endpoint_register
from portal.integrations.webhooks import webhook_event_queue
from tests.factories import make_api_key, make_suspension
make_suspension({HANDLE!r})
key, plaintext = make_api_key("appeals:read")
webhook_endpoint_register(actor=Actor.system("tests"), integration=key.integration, url={receiver_url!r})
with transaction.atomic():
    for number in range({EVENTS}):
        webhook_event_queue(event_type="appeal.decided", data={{"reference": f"RC-RESTART-{{number:02}}"}})
print(plaintext)
"""


def postgres_bin() -> Path:
    """The newest installed PostgreSQL's programs (Debian keeps them under /usr/lib/postgresql/<version>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda path: int(path.parts[-3]))
    assert found, "These tests need PostgreSQL's server programs (apt-get install postgresql)."
    return found[-1].parent


@dataclass
class Cluster:
    """A PostgreSQL cluster of this test's own, in a temporary folder, run as the `postgres` OS user (the tests run as
    root, which PostgreSQL refuses), listening on a free port of 127.0.0.1."""

    folder: Path
    port: int

    def run(self, program: str, *args: str) -> None:
        command = ["runuser", "-u", "postgres", "--", str(postgres_bin() / program), *args]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{program} failed:\n{result.stdout}\n{result.stderr}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses={HOST} -c fsync=off"
        log = str(self.folder / "postgresql.log")
        self.run("pg_ctl", "start", "-D", str(self.folder / "data"), "-l", log, "-o", options, "-w", "-t", "60")

    def stop(self) -> None:
        self.run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "fast", "-w", "-t", "60")

    def url(self, database: str = "recourse") -> str:
        return f"postgres://postgres@{HOST}:{self.port}/{database}"

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url(), connect_timeout=10) as connection:
            return list(connection.execute(sql).fetchall())

    def count(self, table: str, where: str = "true") -> int:
        [(found,)] = self.query(f"SELECT count(*) FROM {table} WHERE {where}")
        return int(found)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    folder = Path(tempfile.mkdtemp(prefix="recourse-pg-"))
    os.chown(folder, pwd.getpwnam("postgres").pw_uid, grp.getgrnam("postgres").gr_gid)
    private = Cluster(folder, free_port(HOST))
    try:
        private.run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        private.start()
        with psycopg.connect(private.url("postgres"), autocommit=True) as connection:
            connection.execute("CREATE DATABASE recourse")
        yield private
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(postgres_bin() / "pg_ctl"), "stop", "-D", str(folder / "data")],
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(folder, ignore_errors=True)


class Supervisor:
    """The worker as the README's systemd unit runs it: `notifications_sweep`, then `db_worker`; whenever the worker
    exits (it does when the database goes away), the same again a second later (RestartSec)."""

    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env, self.folder = env, folder
        self.starts = 0
        self.stopping = threading.Event()
        self.current: Process | None = None
        self.thread = threading.Thread(target=self._keep_running, daemon=True)

    def _keep_running(self) -> None:
        while not self.stopping.is_set():
            sweep = [sys.executable, "manage.py", "notifications_sweep"]
            swept = subprocess.run(sweep, cwd=ROOT, env=self.env, capture_output=True, timeout=120)
            if swept.returncode == 0:
                self.starts += 1
                self.current = worker(self.env, self.folder).start()
                assert self.current.popen is not None
                while self.current.running() and not self.stopping.wait(0.2):
                    continue
            self.stopping.wait(1)  # RestartSec

    def stop(self) -> None:
        self.stopping.set()
        self.thread.join(timeout=180)
        if self.current is not None:
            self.current.stop()


@dataclass(frozen=True)
class Seen:
    at: float
    path: str
    answer: Answer | None  # None when no HTTP answer came at all
    problem: str = ""


class Traffic:
    """Appellants asking for links, the platform reading its appeals, a load balancer checking health: each thread
    goes round the three as fast as the server answers, until stopped."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._visit, daemon=True) for _ in range(CLIENT_THREADS)]

    def _visit(self) -> None:
        visitor = Visitor(self.base)
        token = visitor.fetch("/appeal/find/").form_token()
        form = {"csrfmiddlewaretoken": token, "handle": HANDLE, "email": f"{HANDLE}@example.org"}
        headers = {"Referer": self.base + "/appeal/find/"}
        api = {"Authorization": f"Bearer {self.key}"}
        requests = cycle([("/health/", None, None), ("/appeal/find/", form, headers), ("/api/v1/appeals/", None, api)])
        for path, data, extra in requests:
            if self.stopping.is_set():
                return
            try:
                self.seen.append(Seen(time.monotonic(), path, visitor.fetch(path, data, extra)))
            except (URLError, OSError) as error:
                self.seen.append(Seen(time.monotonic(), path, None, f"{type(error).__name__}: {error}"))

    def since(self, moment: float) -> list[Seen]:
        return [seen for seen in list(self.seen) if seen.at >= moment]


def assert_clean_503(seen: Seen) -> None:
    answer = seen.answer
    assert answer is not None and answer.status == 503, seen
    assert answer.headers["Retry-After"], seen
    if seen.path == "/health/":
        assert '"status": "unavailable"' in answer.body, seen
    elif seen.path.startswith("/api/"):
        assert answer.headers["Content-Type"] == "application/json", seen
        assert '"code": "unavailable"' in answer.body, seen
    else:
        assert answer.headers["Content-Type"].startswith("text/html") and "Briefly unavailable" in answer.body, seen
    assert "Traceback" not in answer.body


@dataclass
class Running:
    server: Process
    base: str
    supervisor: Supervisor
    key: str


@pytest.fixture
def running(cluster: Cluster, mail_server: SmtpServer, receiver: Receiver, tmp_path: Path) -> Iterator[Running]:
    """Recourse on the private cluster: migrated, gunicorn (two workers, connections kept for a minute and checked
    before reuse) and the supervised worker, with the mail server up and the receiver refusing events for now."""
    extra = outbox_env(
        mail_server,
        DATABASE_CONN_MAX_AGE="60",
        APPELLANT_LINKS_PER_IP_PER_HOUR="100000",
        APPELLANT_LINKS_PER_HANDLE_PER_HOUR="100000",
    )
    env = app_env(tmp_path, cluster.url(), **extra)
    manage(env, "migrate", "--noinput", "-v", "0")
    key = manage(env, "shell", "-c", setup_code(receiver.url)).split()[-1]
    mail_server.start()
    receiver.answers[:] = [503] * 100_000  # the platform is having trouble too, until the database is back
    server, base = gunicorn_start(env, tmp_path, workers=2, threads=2)
    supervisor = Supervisor(env, tmp_path)
    supervisor.thread.start()
    try:
        yield Running(server, base, supervisor, key)
    finally:
        supervisor.stop()
        server.stop()


def test_postgresql_restarted_under_traffic_answers_503_then_recovers_and_delivers_everything(
    running: Running, cluster: Cluster, mail_server: SmtpServer, receiver: Receiver
) -> None:
    server, supervisor = running.server, running.supervisor
    traffic = Traffic(running.base, running.key)
    try:
        for thread in traffic.threads:
            thread.start()
        wait_until("traffic flowing", lambda: len(traffic.seen) >= 60, seconds=60)
        # The worker is up and busy: every event has been refused once and is waiting to be tried again.
        wait_until("the worker at work", lambda: len(set(event_ids_received(receiver))) == EVENTS, seconds=60)
        workers_before = server.children()

        went_down = time.monotonic()
        cluster.stop()
        wait_until("the outage", lambda: time.monotonic() - went_down >= OUTAGE_SECONDS, seconds=OUTAGE_SECONDS + 5)
        cluster.start()
        came_back = time.monotonic()
        receiver.answers.clear()

        def all_answering() -> bool:
            recent = traffic.since(came_back)
            return {seen.path for seen in recent if seen.answer and seen.answer.status in (200, 302)} == {
                "/health/",
                "/appeal/find/",
                "/api/v1/appeals/",
            }

        recovered_in = wait_until("every kind of request answered again", all_answering, seconds=60, every=0.05)
        recovered_at = time.monotonic()
        wait_until("traffic after recovery", lambda: len(traffic.since(recovered_at)) >= 60, seconds=60)
    finally:
        traffic.stopping.set()
        for thread in traffic.threads:
            thread.join(timeout=60)
    workers_after = server.children()
    during = [seen for seen in traffic.seen if went_down <= seen.at < recovered_at]
    after = traffic.since(recovered_at + 0.5)
    assert [seen for seen in traffic.seen if seen.answer is None] == []  # gunicorn always answered
    assert not [
        seen for seen in traffic.seen if seen.answer and seen.answer.status >= 500 and seen.answer.status != 503
    ]
    for seen in during:
        if seen.answer and seen.answer.status == 503:
            assert_clean_503(seen)
    assert {seen.answer.status for seen in after if seen.answer} <= {200, 302}
    assert workers_after == workers_before  # the same workers serve again; none died or was replaced
    unavailable = Counter(seen.path for seen in during if seen.answer and seen.answer.status == 503)
    assert sum(unavailable.values()) > 0

    def everything_delivered() -> bool:
        # The sweep the worker runs each minute, run here as often as the cut-down stuck and overdue times allow: it
        # hands back what the worker was holding when the database went away.
        manage(supervisor.env, "notifications_sweep")
        waiting = cluster.count("notifications_notification", "status <> 'sent'")
        return waiting == 0 and cluster.count("integrations_webhookdelivery", "status <> 'delivered'") == 0

    delivered_in = wait_until("every message and webhook delivered", everything_delivered, seconds=120)

    message_ids = {row[0] for row in cluster.query("SELECT message_id FROM notifications_notification")}
    links = cluster.count("notifications_notification", "template = 'sign_in_link'")
    finds = Counter(seen.answer.status for seen in traffic.seen if seen.path == "/appeal/find/" and seen.answer)
    # A request answered 503 committed nothing (unless the database went away between its commit and its answer).
    assert finds[302] <= links <= finds[302] + finds[503]
    mails = message_ids_received(mail_server)
    assert set(mails) == message_ids
    events = {str(row[0]) for row in cluster.query("SELECT event_id FROM integrations_webhookdelivery")}
    assert set(event_ids_received(receiver)) == events
    duplicates = sum(mails.values()) - len(mails)
    figure(
        f"RESTART: PostgreSQL down {came_back - went_down:.1f} s under {CLIENT_THREADS} client threads; "
        f"{len(during)} requests in the outage, 503s by path {dict(unavailable)}, no 500s; every kind of request "
        f"answered again {recovered_in:.2f} s after PostgreSQL was back, by the same {len(workers_after)} gunicorn "
        f"workers; {len(traffic.seen)} requests in all; worker started {supervisor.starts} times; {len(mails)} "
        f"mails and {len(events)} webhook events delivered {delivered_in:.1f} s after recovery; "
        f"{duplicates} mails sent twice"
    )
