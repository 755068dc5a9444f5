"""A real plain-HTTP webhook receiver on a free local port (http.server in a thread), and endpoints pointed at it."""

import importlib.util
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from portal.audit.actors import Actor
from portal.integrations.models import ApiKey, Integration, WebhookDelivery, WebhookEndpoint
from portal.integrations.services import integration_save, webhook_endpoint_register
from portal.integrations.tasks import deliver_webhook
from tests.factories import make_api_key
from tests.network import HOST

PLATFORM_ADMIN = Actor.system("tests")


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """Keeps every request it gets and answers each with the next of `answers` (then 200). An answer of None
    holds the request without answering until the test ends, as a receiver that hangs would."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: list[int | None] = []
        self.location = ""
        self.released = threading.Event()
        self._server = ThreadingHTTPServer((HOST, 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}/recourse-events"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                if status is None:
                    receiver.released.wait()
                    return
                self.send_response(status)
                if receiver.location:
                    self.send_header("Location", receiver.location)
                reply = b'{"ok": true}' if status < 300 else b"Receiver trouble: database is down"
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep the test output clean

        return Handler


@pytest.fixture(autouse=True)
def _plain_http_endpoints(settings) -> None:
    """The receiver speaks plain HTTP on localhost; production requires https:// to a public address."""
    settings.WEBHOOK_ALLOW_HTTP = True
    settings.WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def platform(db) -> Integration:
    return integration_save(actor=PLATFORM_ADMIN, integration=Integration(name="Example platform"))


@pytest.fixture
def endpoint(platform: Integration, receiver: Receiver) -> WebhookEndpoint:
    return webhook_endpoint_register(actor=PLATFORM_ADMIN, integration=platform, url=receiver.url)


def load_verifier() -> ModuleType:
    """docs/webhook_verifier.py, the standalone file the README tells receivers to copy, loaded as they would."""
    path = Path(__file__).resolve().parents[2] / "docs" / "webhook_verifier.py"
    spec = importlib.util.spec_from_file_location("webhook_verifier", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def waiting_webhook_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=deliver_webhook.module_path).order_by("enqueued_at"))


def run_due_webhook_tasks() -> list[str]:
    """What a worker does now: take each delivery task that is due off the queue and run it."""
    outcomes = []
    for result in DBTaskResult.objects.ready().filter(task_path=deliver_webhook.module_path).order_by("enqueued_at"):
        outcomes.append(deliver_webhook.call(*result.args_kwargs["args"]))
        result.delete()
    return outcomes


def let_the_pause_pass(delivery: WebhookDelivery) -> None:
    """Move the clock past a delivery's pause: its next attempt, and the task waiting for it, are due now."""
    now = timezone.now()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now)
    DBTaskResult.objects.filter(task_path=deliver_webhook.module_path, run_after__gt=now).update(run_after=now)


class KeyClient(APIClient):
    key: ApiKey


def key_client(*scopes: str, integration: str = "Example platform") -> KeyClient:
    """The platform calling with a fresh key of its integration that has these scopes; `client.key` is the key."""
    key, plaintext = make_api_key(*scopes, integration=integration)
    client = KeyClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    client.key = key
    return client
