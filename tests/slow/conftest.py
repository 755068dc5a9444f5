"""What the load and fault tests share: the project's gunicorn and worker started as production starts them (against
the test's PostgreSQL database, or a private cluster), one visitor's browser over real HTTP, and waits that poll
with a deadline. Every test here is marked `slow` and `postgres`: only `make test-slow` runs them."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any
from urllib.error import HTTPError

import pytest
from django.db import connection

from tests.integrations.conftest import Receiver
from tests.notifications.conftest import SmtpServer

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "bench"))  # bench/ holds scripts that import benchkit as a top-level module

from benchkit import free_port, gunicorn_wait  # noqa: E402

HOST = "127.0.0.1"
GUNICORN = Path(sys.executable).parent / "gunicorn"
# The tests' stand-ins for OUTBOX_STUCK_AFTER_SECONDS and OUTBOX_OVERDUE_AFTER_SECONDS (5 and 2 minutes in
# production): a local send takes milliseconds, and the worker clears a backlog of hundreds in seconds.
STUCK_SECONDS = 2
OVERDUE_SECONDS = 10


def wait_until(what: str, condition: Callable[[], bool], *, seconds: float, every: float = 0.2) -> float:
    """Poll `condition` until it holds; fail naming `what` when `seconds` pass first. Returns how long it took."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"{what}: not within {seconds:.0f} s")
        time.sleep(every)  # a poll's pause, not an assertion's: the deadline above decides
    return time.monotonic() - started


def this_database_url() -> str:
    """The URL of the database this test runs against, for the processes it starts."""
    config = connection.settings_dict
    user = urllib.parse.quote(config["USER"] or "")
    password = f":{urllib.parse.quote(config['PASSWORD'])}" if config["PASSWORD"] else ""
    return f"postgres://{user}{password}@{config['HOST'] or HOST}:{config['PORT'] or 5432}/{config['NAME']}"


def app_env(home: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment production would give gunicorn and the worker: only what the README asks for."""
    return {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "insecure-test-only-key"),
        "DATABASE_URL": database_url,
        "RECOURSE_DATA_DIR": str(home),
        "EMAIL_BACKEND": "memory",
        "GUNICORN_ACCESS_LOG": "off",
        **extra,
    }


@dataclass
class Process:
    """A child process whose output goes to a file (a full pipe would stall it), killed with its group at the end."""

    name: str
    command: list[str]
    env: Mapping[str, str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> "Process":
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.command, cwd=ROOT, env=dict(self.env), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.running():
            os.killpg(self.pid, sig)
            assert self.popen is not None
            self.popen.wait(timeout=60)

    def stop(self) -> None:
        if not self.running():
            return
        assert self.popen is not None
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def children(self) -> set[int]:
        return set(map(int, Path(f"/proc/{self.pid}/task/{self.pid}/children").read_text().split()))


def gunicorn_start(env: Mapping[str, str], home: Path, *, workers: int, threads: int = 1) -> tuple[Process, str]:
    """The project's gunicorn (gunicorn.conf.py) on a free port, answering; returns it and its base URL."""
    port = free_port(HOST)
    server_env = {**env, "GUNICORN_BIND": f"{HOST}:{port}", "WEB_CONCURRENCY": str(workers)}
    server_env["GUNICORN_THREADS"] = str(threads)
    command = [str(GUNICORN), "-c", "gunicorn.conf.py", "portal.wsgi"]
    server = Process("gunicorn", command, server_env, home / "gunicorn.log").start()
    assert server.popen is not None
    try:
        gunicorn_wait(server.popen, f"http://{HOST}:{port}/health/", timeout=60)
    except RuntimeError as error:
        server.stop()
        raise AssertionError(f"{error}\n{server.output()}") from None
    return server, f"http://{HOST}:{port}"


def manage(env: Mapping[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=dict(env), capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def worker(env: Mapping[str, str], home: Path) -> Process:
    """`manage.py db_worker` as the README's unit runs it, polling for tasks every tenth of a second."""
    command = [sys.executable, "manage.py", "db_worker", "--interval", "0.1", "--no-startup-delay", "-v", "2"]
    return Process("worker", command, env, home / "worker.log")


# --- a person's browser -------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: Message
    body: str

    @property
    def location(self) -> str:
        return str(self.headers.get("Location", ""))

    def form_token(self) -> str:
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.body)
        assert match, f"no form on this page ({self.status}): {self.body[:300]}"
        return match[1]


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Visitor:
    """One person's browser against the server: its own cookies, redirects reported rather than followed."""

    base: str
    requests: int = 0  # how many it sent, answered or not
    opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects
        )
    )

    def fetch(
        self, path: str, form: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> Answer:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.base + path, data=data, headers=dict(headers or {}))
        self.requests += 1
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.headers, response.read().decode(errors="replace"))
        except HTTPError as error:  # 3xx (not followed), 4xx and 5xx answers
            with error:
                return Answer(error.code, error.headers, error.read().decode(errors="replace"))

    def submit(self, page: str, form: Mapping[str, str], *, action: str | None = None) -> Answer:
        """Open the page with the form, then send it, as the browser would (with the page's CSRF token)."""
        token = self.fetch(page).form_token()
        return self.fetch(action or page, {"csrfmiddlewaretoken": token, **form}, headers={"Referer": self.base + page})


# --- the outside world: a mail server and the platform's webhook receiver -----------------------------------------


@pytest.fixture
def mail_server() -> Iterator[SmtpServer]:
    """A real SMTP server on a free port, not started yet: `.start()` brings it up, `.stop()` takes it down."""
    server = SmtpServer(free_port(HOST))
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """The platform's webhook receiver; `receiver.answers` lists what it answers next (then 200)."""
    server = Receiver()
    server.start()
    yield server
    server.stop()


def outbox_env(mail: SmtpServer, **extra: str) -> dict[str, str]:
    """What the worker needs to reach the local mail server and receiver, with the retry pauses cut down from
    minutes to seconds: the same sequence of attempts (1, 2, 4, 8 ... times the base), 60 times faster for mail."""
    return {
        "EMAIL_BACKEND": "smtp",
        "EMAIL_HOST": HOST,
        "EMAIL_PORT": str(mail.port),
        "EMAIL_TIMEOUT": "5",
        "NOTIFICATION_RETRY_BASE_SECONDS": "1",
        "NOTIFICATION_MAX_ATTEMPTS": "12",
        "WEBHOOK_RETRY_BASE_SECONDS": "1",
        "WEBHOOK_MAX_ATTEMPTS": "12",
        "WEBHOOK_TIMEOUT_SECONDS": "5",
        "WEBHOOK_ALLOW_HTTP": "1",
        "WEBHOOK_ALLOW_PRIVATE": "1",
        "OUTBOX_STUCK_AFTER_SECONDS": str(STUCK_SECONDS),
        "OUTBOX_OVERDUE_AFTER_SECONDS": str(OVERDUE_SECONDS),
        **extra,
    }


def event_ids_received(receiver: Receiver) -> Counter[str]:
    """How many times the receiver was sent each event (answered or not)."""
    return Counter(received.headers["Recourse-Event-Id"] for received in receiver.received)


def message_ids_received(mail: SmtpServer) -> Counter[str]:
    return Counter(str(message["Message-ID"]) for message in mail.mailbox.messages)


# --- figures ------------------------------------------------------------------------------------------------------

FIGURES: list[str] = []


def figure(line: str) -> None:
    """Keep a measured figure for the summary at the end of the run (docs/reliability.md quotes them)."""
    FIGURES.append(line)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if FIGURES:
        terminalreporter.section("figures of the slow tests")
        for line in FIGURES:
            terminalreporter.write_line(line)
