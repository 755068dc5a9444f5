"""Running the way production does: gunicorn from gunicorn.conf.py, WhiteNoise's compressed manifest, Redis.

The server tests start a real gunicorn (two workers) on a free port, against a SQLite file of its own and Redis
database 5 (flushed before and after), with the static files collected into a temporary STATIC_ROOT.
"""

import json
import os
import re
import subprocess
import sys
import threading
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError

import pytest
import redis
from django.test import Client
from rest_framework.test import APIClient

from portal.audit.models import AuditEvent
from tests.factories import make_api_key
from tests.network import free_port

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"
REDIS_TEST_URL = "redis://127.0.0.1:6379/5"
SECRET_TOKEN = "tok3n-that-must-stay-out-of-the-log"


def django_settings(*names: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with exactly this environment and print the named settings as JSON."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": "x", **env}
    code = (
        "import django, json; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{name: getattr(settings, name) for name in {list(names)!r}}}, default=str))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


# --- settings --------------------------------------------------------------------------------------------------------


def test_redis_url_makes_redis_the_cache_and_sessions_stay_in_the_database() -> None:
    result = django_settings("CACHES", "SESSION_ENGINE", REDIS_URL="rediss://:pw@cache.internal:6380/2")
    assert result.returncode == 0, result.stderr
    configured = json.loads(result.stdout)
    assert configured["CACHES"]["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert configured["CACHES"]["default"]["LOCATION"] == "rediss://:pw@cache.internal:6380/2"
    assert configured["SESSION_ENGINE"] == "django.contrib.sessions.backends.db"


def test_without_redis_url_each_process_counts_in_its_own_memory() -> None:
    result = django_settings("CACHES")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:6379/0", "redis://:hunter2@127.0.0.1:notaport/0", "redis://127.0.0.1:6379/five", "redis://"],
)
def test_a_malformed_redis_url_stops_startup_naming_it_without_the_password(url: str) -> None:
    result = django_settings("CACHES", REDIS_URL=url)
    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL must look like redis://host:6379/0" in result.stderr
    assert "hunter2" not in result.stderr


def test_deploy_check_warns_about_per_process_rate_limits_and_unhashed_static_files() -> None:
    env = {"PATH": os.environ["PATH"], "SECRET_KEY": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert "recourse.W001" in result.stderr
    assert "recourse.W002" in result.stderr
    with_both = {**env, "REDIS_URL": REDIS_TEST_URL, "STATIC_MANIFEST": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=with_both, capture_output=True, text=True
    )
    assert "recourse.W0" not in result.stderr


# --- behind the proxy ----------------------------------------------------------------------------------------------


def find_case(forwarded_for: str, remote_addr: str = "127.0.0.1") -> int:
    form = {"handle": "someone", "email": "someone@example.org"}
    return Client().post("/appeal/find/", form, REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded_for).status_code


@pytest.mark.django_db
def test_behind_the_proxy_each_client_is_limited_and_audited_by_its_own_address(settings) -> None:
    settings.BEHIND_TLS_PROXY = True
    settings.APPELLANT_LINK_RATE_LIMITS = {"ip": 1, "handle": 100}
    assert [find_case("198.51.100.1"), find_case("198.51.100.2")] == [302, 302]
    assert find_case("203.0.113.9, 198.51.100.1") == 429  # the client's own entry comes first and proves nothing
    recorded = AuditEvent.objects.filter(action="access.link_requested").order_by("seq")
    assert [event.ip for event in recorded] == ["198.51.100.1", "198.51.100.2"]


@pytest.mark.django_db
def test_without_a_proxy_x_forwarded_for_is_ignored(settings) -> None:
    settings.APPELLANT_LINK_RATE_LIMITS = {"ip": 1, "handle": 100}
    assert [find_case("198.51.100.1", "203.0.113.5"), find_case("198.51.100.2", "203.0.113.5")] == [302, 429]
    assert AuditEvent.objects.get(action="access.link_requested").ip == "203.0.113.5"


# --- Redis down --------------------------------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/5",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.mark.django_db
def test_with_redis_down_a_link_request_goes_through_and_the_log_says_the_limit_was_off(redis_down, caplog) -> None:
    response = Client().post("/appeal/find/", {"handle": "nobody_here", "email": "someone@example.org"})
    assert response.status_code == 302
    assert response["Location"] == "/appeal/find/sent/"
    assert "Rate limit links-ip not applied, the request goes through: the cache is unavailable" in caplog.text


@pytest.mark.django_db
def test_with_redis_down_the_api_answers_and_the_log_says_the_throttle_was_off(redis_down, caplog) -> None:
    _key, plaintext = make_api_key("appeals:read")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/appeals/").status_code == 200
    assert "Rate limit api not applied" in caplog.text


# --- a real gunicorn -----------------------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: Message
    body: str


class Output:
    """Everything the server prints, read as it comes (a full pipe would stall the server), to wait on."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, args=(process,), daemon=True)
        self.reader.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, text: str, seconds: float = 30) -> str:
        with self.changed:
            if not self.changed.wait_for(lambda: text in self.text or not self.reader.is_alive(), timeout=seconds):
                raise AssertionError(f"gunicorn never printed {text!r}; it printed:\n{self.text}")
            assert text in self.text, f"gunicorn stopped before printing {text!r}; it printed:\n{self.text}"
            return self.text

    @property
    def text(self) -> str:
        return "".join(self.lines)


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class Server:
    url: str
    output: Output
    opener: urllib.request.OpenerDirector = field(
        default_factory=lambda: urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _KeepRedirects
        )
    )

    def fetch(self, path: str, form: dict[str, str] | None = None, headers: dict[str, str] | None = None) -> Answer:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        request = urllib.request.Request(self.url + path, data=data, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return Answer(response.status, response.headers, response.read().decode(errors="replace"))
        except HTTPError as error:  # 3xx (redirects are not followed) and 4xx answers
            return Answer(error.code, error.headers, error.read().decode(errors="replace"))


def manage(env: dict[str, str], *args: str) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def redis_db() -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.flushdb()
    except redis.ConnectionError as error:
        pytest.fail(f"These tests need Redis on 127.0.0.1:6379 ({error}).")
    yield client
    client.flushdb()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, redis_db: redis.Redis) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("production")
    port = free_port()
    env = {
        "PATH": os.environ["PATH"],
        "SECRET_KEY": "test-only-production-like-key",
        "DATABASE_URL": f"sqlite:///{home / 'recourse.sqlite3'}",
        "RECOURSE_DATA_DIR": str(home),
        "REDIS_URL": REDIS_TEST_URL,
        "STATIC_MANIFEST": "1",
        "STATIC_ROOT": str(home / "static"),
        "EMAIL_BACKEND": "memory",
        "APPELLANT_LINKS_PER_HANDLE_PER_HOUR": "2",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "collectstatic", "--noinput", "-v0")
    process = subprocess.Popen(
        [str(GUNICORN), "-c", "gunicorn.conf.py", "portal.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output = Output(process)
        output.wait_for(f"Listening at: http://127.0.0.1:{port}", seconds=60)
        yield Server(f"http://127.0.0.1:{port}", output)
    finally:
        process.terminate()
        process.wait(timeout=60)


def test_gunicorn_serves_the_start_page_with_the_content_security_policy(server: Server) -> None:
    page = server.fetch("/appeal/")
    assert page.status == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_static_files_carry_their_hash_and_may_be_cached_for_a_year_compressed(server: Server) -> None:
    page = server.fetch("/appeal/")
    stylesheet = re.search(r'href="(/static/css/recourse\.[0-9a-f]{12}\.css)"', page.body)
    assert stylesheet, page.body
    css = server.fetch(stylesheet[1], headers={"Accept-Encoding": "gzip"})
    assert css.status == 200
    assert css.headers["Cache-Control"] == "max-age=315360000, public, immutable"
    assert css.headers["Content-Encoding"] == "gzip"
    assert css.headers["Content-Type"].startswith("text/css")
    assert css.headers["X-Content-Type-Options"] == "nosniff"


def test_a_static_file_is_also_served_under_its_plain_name(server: Server) -> None:
    css = server.fetch("/static/css/recourse.css")
    assert css.status == 200
    assert "max-age=60" in css.headers["Cache-Control"]


def test_the_api_docs_and_the_swagger_ui_files_are_served(server: Server) -> None:
    docs = server.fetch("/api/docs/")
    assert docs.status == 200
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    scripts = re.findall(r'<script src="([^"]+)"', docs.body)
    bundle = next(src for src in scripts if "swagger-ui-bundle" in src)
    assert re.search(r"swagger-ui-bundle\.[0-9a-f]{12}\.js$", bundle)
    javascript = server.fetch(bundle)
    assert javascript.status == 200
    assert "immutable" in javascript.headers["Cache-Control"]
    assert all(server.fetch(src).status == 200 for src in scripts)


def test_the_link_limit_counts_in_redis_across_the_workers(server: Server, redis_db: redis.Redis) -> None:
    form_page = server.fetch("/appeal/find/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form_page.body)
    assert token
    form = {"csrfmiddlewaretoken": token[1], "handle": "shared_counter", "email": "someone@example.org"}
    answers = [server.fetch("/appeal/find/", form).status for _ in range(3)]
    assert answers == [302, 302, 429]
    assert redis_db.keys("recourse:*:ratelimit:links-handle:*")


def test_the_access_log_leaves_out_sign_in_tokens(server: Server) -> None:
    link = f"/appeal/sign-in/{SECRET_TOKEN}/"
    assert server.fetch(link).status == 200
    assert server.fetch("/appeal/find/sent/", headers={"Referer": server.url + link}).status == 200
    # Two workers write the log, so the two lines may come in either order.
    server.output.wait_for('"GET /appeal/sign-in/…/ HTTP/1.1" 200')
    log = server.output.wait_for('"GET /appeal/find/sent/ HTTP/1.1" 200')
    assert f'"{server.url}/appeal/sign-in/…/"' in log
    assert SECRET_TOKEN not in log


def test_the_access_log_leaves_out_api_keys_and_whole_addresses(server: Server) -> None:
    key = "rk_0123456789ab_the-secret-part-of-a-key"
    answer = server.fetch(f"/api/v1/appeals/?key={key}&email=someone.private@example.org")
    assert answer.status in (401, 403)
    log = server.output.wait_for("/api/v1/appeals/?key=rk_0123456789ab_…&email=s•••@example.org HTTP/1.1")
    assert "the-secret-part-of-a-key" not in log
    assert "someone.private@example.org" not in log
