"""Hostile text in a real browser: a case whose every field carries script, shown to the appellant and to a
reviewer. No dialog opens, the Content-Security-Policy reports nothing from our pages, and the text reads as text."""

from collections.abc import Callable
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import BrowserContext, Dialog, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.appellant_access import sign_in_link_request
from accounts.models import User
from appeals.models import Appeal
from appeals.services import appeal_claim, appeal_message_post, appeal_request_info
from tests.browser.conftest import staff_login
from tests.factories import make_appeal, make_suspension

PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(2)><svg onload=alert(3)>'


def hostile_case(reviewer: User) -> Appeal:
    suspension = make_suspension(
        "mallory",
        account_email="mallory@example.org",
        incompatible_content_ground=PAYLOAD,
        incompatible_content_explanation=PAYLOAD,
        decision_facts=PAYLOAD,
        content_description=PAYLOAD,
    )
    appeal = make_appeal(suspension, statement=PAYLOAD)
    appeal_claim(appeal=appeal, by=reviewer)
    appeal_message_post(appeal=appeal, by=reviewer, body=PAYLOAD, internal=True)
    appeal_request_info(appeal=appeal, by=reviewer, body=PAYLOAD, reply_by=timezone.now() + timedelta(days=7))
    return appeal


def watch_dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    def record(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record)
    return opened


def test_script_in_every_field_never_runs_for_the_appellant_or_the_reviewer(
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    outbox_link: Callable[[str, str], str],
    csp_violations: list[str],
    rita: User,
) -> None:
    appeal = hostile_case(rita)

    appellant = new_context().new_page()
    dialogs = watch_dialogs(appellant)
    sign_in_link_request(handle="mallory", email="mallory@example.org", language="en", ip=None)
    appellant.goto(outbox_link("sign_in_link", "mallory@example.org"))
    appellant.get_by_role("button", name="Continue").click()
    appellant.goto(f"{live_server.url}/appeal/appeals/{appeal.reference}/")
    appellant.get_by_text("The platform's statement of reasons").click()  # opens the details with the facts
    expect(appellant.get_by_text(PAYLOAD).first).to_be_visible()
    assert appellant.locator("main img, main svg, main script").count() == 0

    reviewer = new_context().new_page()
    dialogs += watch_dialogs(reviewer)
    staff_login(reviewer, live_server, rita, next_path=f"/review/appeals/{appeal.reference}/")
    expect(reviewer.get_by_text(PAYLOAD).first).to_be_visible()
    assert reviewer.locator("main script, main svg, main img[src='x']").count() == 0

    assert dialogs == []
    assert csp_violations == []
