"""Production hardening: Django's deploy check with production settings, the security headers and cookie flags on
real responses under https, and templates with no inline code for the Content-Security-Policy to block."""

import json
import os
import re
import secrets
import subprocess
import sys
from functools import cache
from http.cookies import Morsel
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.http import HttpResponseBase
from django.test import Client

from accounts.appellant_access import sign_in_link_request
from appeals.models import Appeal, Suspension
from portal.audit.models import AuditEvent
from tests.appeals.test_appellant_pages import link_token
from tests.conftest import staff_client
from tests.factories import make_api_key
from tests.portal.test_production import REDIS_TEST_URL, django_settings

ROOT = Path(__file__).resolve().parents[2]
SITE = "appeals.example.org"
PRODUCTION = {
    "SITE_URL": f"https://{SITE}",
    "ALLOWED_HOSTS": SITE,
    "SECRET_KEY": secrets.token_urlsafe(50),
    "DEBUG": "0",
    "DATABASE_URL": "postgres://recourse:secret@127.0.0.1:5432/recourse",
    "REDIS_URL": REDIS_TEST_URL,
    "STATIC_MANIFEST": "1",
    "BEHIND_TLS_PROXY": "1",
}


def deploy_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {"PATH": os.environ["PATH"], **PRODUCTION, **env}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deploy_check_is_clean_with_production_settings() -> None:
    result = deploy_check(SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_left_off_the_hsts_widenings_are_the_only_findings() -> None:
    """Both bind more than this site (every subdomain, the browsers' preload list): the operator decides."""
    result = deploy_check()
    assert result.returncode != 0
    assert re.findall(r"\((\w+\.\w\d+)\)", result.stderr) == ["security.W005", "security.W021"]


# --- headers and cookies on real responses, with the settings an https SITE_URL gives ------------------------------

HTTPS_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SAMESITE",
    "X_FRAME_OPTIONS",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
]


@cache
def production_settings() -> dict[str, Any]:
    """What portal/settings.py makes of the production environment, read from a fresh process."""
    result = django_settings(*HTTPS_SETTINGS, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def https(settings) -> None:
    for name, value in production_settings().items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = [SITE]


def fetch(client: Client, path: str, data: dict[str, str] | None = None) -> HttpResponseBase:
    if data is None:
        return client.get(path, secure=True, headers={"host": SITE})
    return client.post(path, data, secure=True, headers={"host": SITE})


def assert_hardened(response: HttpResponseBase) -> None:
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, policy
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, policy
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def assert_locked_down(cookie: Morsel[str]) -> None:
    assert cookie["secure"] is True, cookie.key
    assert cookie["httponly"] is True, cookie.key
    assert cookie["samesite"] == "Lax", cookie.key


def test_production_settings_turn_on_https_only_cookies_hsts_and_the_redirect() -> None:
    configured = production_settings()
    assert configured["SECURE_SSL_REDIRECT"] and configured["SECURE_HSTS_SECONDS"] == 31536000
    assert configured["SESSION_COOKIE_SECURE"] and configured["CSRF_COOKIE_SECURE"]


def test_plain_http_is_sent_to_https(https) -> None:
    response = Client().get("/appeal/", headers={"host": SITE})
    assert (response.status_code, response["Location"]) == (301, f"https://{SITE}/appeal/")


def test_appellant_pages_send_the_headers_and_lock_down_their_cookies(
    https, alice_suspension: Suspension, alice_appeal: Appeal
) -> None:
    client = Client()
    form = fetch(client, "/appeal/find/")
    assert form.status_code == 200
    assert_hardened(form)
    assert_locked_down(form.cookies["csrftoken"])
    suspension = alice_suspension
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip=None)
    signed_in = fetch(client, f"/appeal/sign-in/{link_token('sign_in_link', suspension.account_email)}/", {})
    assert signed_in.status_code == 302
    assert_hardened(signed_in)
    assert_locked_down(signed_in.cookies["sessionid"])
    for path in ["/appeal/", "/appeal/case/", f"/appeal/appeals/{alice_appeal.reference}/"]:
        page = fetch(client, path)
        assert page.status_code == 200, path
        assert_hardened(page)


def test_the_dashboard_and_staff_sign_in_send_the_headers_and_lock_down_their_cookies(https, rita) -> None:
    sign_in_page = fetch(Client(), "/review/login/")
    assert sign_in_page.status_code == 200
    assert_hardened(sign_in_page)
    assert_locked_down(sign_in_page.cookies["csrftoken"])
    client = staff_client(rita)
    for path in ["/review/", "/review/stats/"]:
        page = fetch(client, path)
        assert page.status_code == 200, path
        assert_hardened(page)


def test_the_api_and_its_docs_send_the_headers(https, db) -> None:
    _key, plaintext = make_api_key("appeals:read")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    for client, path in [(api, "/api/v1/appeals/"), (api, "/api/v1/nothing-here/"), (Client(), "/api/docs/")]:
        response = fetch(client, path)
        assert response.status_code in (200, 404), path
        assert_hardened(response)


# --- templates ------------------------------------------------------------------------------------------------------

# Emails (templates/notifications) are the exception: mail programs need inline styles and never see our CSP.
PAGE_TEMPLATE_DIRS = [ROOT / "templates", *(ROOT / app / "templates" for app in ["accounts", "appeals", "portal"])]
INLINE_CODE = {
    "an inline <script>": re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.I),
    "a <style> element": re.compile(r"<style\b", re.I),
    "a style= attribute": re.compile(r"\sstyle\s*=", re.I),
    "an on…= handler": re.compile(r"\son[a-z]+\s*=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{% comment %}.*?{% endcomment %}", re.S)


def page_templates() -> list[Path]:
    found = [path for folder in PAGE_TEMPLATE_DIRS if folder.is_dir() for path in folder.rglob("*.html")]
    return sorted(path for path in found if "notifications" not in path.relative_to(ROOT).parts[:2])


def test_no_page_template_holds_inline_script_style_or_event_handlers() -> None:
    templates = page_templates()
    assert len(templates) > 20  # the search really found the templates
    offences = [
        f"{path.relative_to(ROOT)}: {what}"
        for path in templates
        for what, pattern in INLINE_CODE.items()
        if pattern.search(TEMPLATE_COMMENT.sub("", path.read_text()))
    ]
    assert offences == []


# --- staff lockout ----------------------------------------------------------------------------------------------------


def wrong_passwords(client: Client, username: str) -> list[int]:
    return [
        client.post("/review/login/", {"username": username, "password": f"wrong guess {attempt}"}).status_code
        for attempt in range(settings.AXES_FAILURE_LIMIT + 1)
    ]


def test_each_locked_out_sign_in_is_audited_against_the_account(rita) -> None:
    statuses = wrong_passwords(Client(REMOTE_ADDR="198.51.100.20"), rita.email)
    assert statuses == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429, 429]
    events = AuditEvent.objects.filter(action="staff.sign_in_locked_out").order_by("seq")
    assert [(event.target_type, event.target_id) for event in events] == [("accounts.user", str(rita.pk))] * 2
    assert events[0].data == {"failure_limit": settings.AXES_FAILURE_LIMIT}


def test_a_lockout_on_a_name_that_is_no_account_records_nothing_of_what_was_typed(db) -> None:
    typed = "maybe-my-password-in-the-wrong-field"
    assert wrong_passwords(Client(REMOTE_ADDR="198.51.100.21"), typed)[-1] == 429
    events = list(AuditEvent.objects.filter(action="staff.sign_in_locked_out").values())
    assert len(events) == 2 and all(event["target_id"] == "" for event in events)
    assert typed not in str(events)
