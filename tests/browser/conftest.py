"""Browser tests: Playwright's sync API drives Debian's Chromium against pytest-django's live_server.

Every test here is marked `browser` and runs against a transactional database (pytest-django makes any test
that uses live_server transactional): the server answers from another thread, on PostgreSQL through another
connection, so test data must be committed before the browser asks for it.
"""

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connections
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    ViewportSize,
    expect,
    sync_playwright,
)
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from portal.notifications.models import Notification
from portal.notifications.rendering import render_notification
from tests.conftest import current_code, totp_device
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium dials out on start, and this closed network refuses it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
# Copies committed for the README: one fixed, modest viewport keeps them comparable and small.
DOCS_SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
README_VIEWPORT: ViewportSize = {"width": 1000, "height": 800}
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees every collected item in the session, not only those under this directory.
    for item in items:
        if HERE not in item.path.resolve().parents:
            continue
        item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser(django_db_setup: None) -> Iterator[Browser]:
    if not os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE"):
        pytest.fail(
            "Set DJANGO_ALLOW_ASYNC_UNSAFE=true for browser tests (the Makefile does): Playwright's sync API "
            "runs an event loop in the test thread, and Django refuses database access from such a thread."
        )
    expect.set_options(timeout=TIMEOUT_MS)
    # Django keeps connections per thread, but per context once an event loop runs in the thread, as it does
    # from here on. Hand the tests back the connections they had; otherwise they get fresh ones, which on SQLite
    # are not the in-memory connection the live server thread shares, and which miss the test database setup.
    thread_connections = {alias: connections[alias] for alias in connections}
    with sync_playwright() as playwright:
        for alias, connection in thread_connections.items():
            connections[alias] = connection
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def staff_roles(transactional_db: None, roles: None) -> None:
    """Every browser test is transactional; the roles come back after the flush that ended the one before."""


@pytest.fixture
def csp_violations() -> list[str]:
    """Console errors in which Chromium reports a blocked Content-Security-Policy violation."""
    return []


@pytest.fixture
def new_context(
    browser: Browser, live_server: LiveServer, csp_violations: list[str]
) -> Iterator[Callable[..., BrowserContext]]:
    """Open a browser context on the live server (keyword arguments go to Browser.new_context), recording
    Content-Security-Policy violations into `csp_violations`; every context opened is closed after the test."""
    opened: list[BrowserContext] = []

    def record(message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            csp_violations.append(f"{message.location.get('url', '?')}: {message.text}")

    def open_context(**options: Any) -> BrowserContext:
        context = browser.new_context(base_url=live_server.url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        context.on("console", record)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., BrowserContext]) -> Page:
    return new_context().new_page()


def _save_screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """Save a full-page screenshot of what the browser shows now to test-artifacts/screenshots/<name>.png."""

    def save(name: str) -> Path:
        return _save_screenshot(page, name)

    return save


@pytest.fixture
def readme_screenshot_of() -> Callable[[Page, str], Path]:
    """`readme_screenshot` for any page, such as one in a second browser context (a senior reviewer's, say). Open
    that context with viewport=README_VIEWPORT so the page is laid out at that size from the start."""

    def save(page: Page, name: str) -> Path:
        page.set_viewport_size(README_VIEWPORT)
        path = _save_screenshot(page, name)
        if os.environ.get("UPDATE_SCREENSHOTS") == "1":
            DOCS_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, DOCS_SCREENSHOTS / path.name)
        return path

    return save


@pytest.fixture
def readme_screenshot(page: Page, readme_screenshot_of: Callable[[Page, str], Path]) -> Callable[[str], Path]:
    """Like `screenshot`, at the README's 1000x800 viewport. With UPDATE_SCREENSHOTS=1 (`make screenshots`) it also
    copies the picture into docs/screenshots/; a plain test run leaves the committed pictures alone."""
    page.set_viewport_size(README_VIEWPORT)

    def save(name: str) -> Path:
        return readme_screenshot_of(page, name)

    return save


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> Iterator[None]:
    """The link rate limits count in the cache, which the live server shares with the whole session."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def outbox_link(settings: Settings, live_server: LiveServer) -> Callable[[str, str], str]:
    """The link in the newest email of a kind sent to an address, as the recipient would click it.

    Links are built from SITE_URL when a message is rendered, so pointing SITE_URL at the live server makes them
    open there.
    """
    settings.SITE_URL = live_server.url
    link = re.compile(re.escape(live_server.url) + r"/appeal/sign-in/[^\s/]+/")

    def newest(template: str, address: str) -> str:
        # Newest first is the outbox's own ordering.
        notification = Notification.objects.filter(template=template, recipient_email=address).first()
        assert notification is not None, f"no {template} email to {address} in the outbox"
        found = link.search(render_notification(notification).text)
        assert found, f"no sign-in link in the {template} email to {address}"
        return found.group()

    return newest


def staff_login(page: Page, live_server: LiveServer, user: User, next_path: str = "/review/") -> None:
    """Sign in as staff do: password, then the code their authenticator app shows (the device is set up first)."""
    device = totp_device(user)
    page.goto(f"{live_server.url}/review/login/?next={next_path}")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()
