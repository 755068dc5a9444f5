import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import resolve

from accounts.appellant_access import token_for
from portal.notifications.models import Notification
from portal.notifications.rendering import RenderedMessage, render_notification
from portal.notifications.services import notification_queue

pytestmark = pytest.mark.django_db

REFERENCE = "RC-7K2M-Q9XD"
HANDLE = "jo_example"
SELECTOR = "Xb3k9_Qp-L2mN8vR4tYw1zAe"
REPLY_BY = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
MISUSE = {"handle": HANDLE, "dispute_url": "https://ods.example.org/"}

# The exact contexts the services queue (accounts/appellant_access.py, appeals/services.py, appeals/notices.py).
CONTEXTS: dict[str, dict[str, Any]] = {
    "sign_in_link": {"selector": SELECTOR, "handle": HANDLE, "minutes": 30},
    "verify_contact": {"selector": SELECTOR, "handle": HANDLE, "minutes": 30},
    "appeal_received": {"reference": REFERENCE, "handle": HANDLE},
    "appeal_filed_elsewhere": {"handle": HANDLE, "contact": "j•••@example.net"},
    "appeal_withdrawn": {"reference": REFERENCE, "handle": HANDLE},
    "info_requested": {"reference": REFERENCE, "handle": HANDLE, "reply_by": REPLY_BY},
    "message_received": {"reference": REFERENCE, "handle": HANDLE},
    "appeal_decided": {"reference": REFERENCE, "handle": HANDLE, "outcome": "overturned"},
    "appellant_replied": {"reference": REFERENCE},
    "approval_waiting": {"reference": REFERENCE},
    "decision_sent_back": {"reference": REFERENCE},
    "reply_reminder": {"reference": REFERENCE, "handle": HANDLE, "reply_by": REPLY_BY, "question": 7},
    "suspension_notice": {"handle": HANDLE},
    # appeals/misuse.py
    "misuse_warning": {**MISUSE, "reasons": "Five appeals repeated one text.", "lift_reasons": "", "ends_at": None},
    "misuse_block": {**MISUSE, "reasons": "Two more after the warning.", "lift_reasons": "", "ends_at": REPLY_BY},
    "misuse_block_lifted": {**MISUSE, "reasons": "Two more.", "lift_reasons": "Shown in error.", "ends_at": REPLY_BY},
}
WITH_HANDLE = [name for name, context in CONTEXTS.items() if "handle" in context]
WITH_LINK = ["sign_in_link", "verify_contact"]
SIGN_IN_URL = re.compile(r"http://[^/\s]+(/appeal/sign-in/([^/\s]+)/)")


def queued(template: str, language: str = "en", **overrides: Any) -> Notification:
    """A row as the sender sees it: written by the service, then read back, so the context has been through JSON."""
    notification = notification_queue(
        template=template,
        recipient_email="alice@example.org",
        language=language,
        context={**CONTEXTS[template], **overrides},
        related=None,
    )
    notification.refresh_from_db()
    return notification


def rendered(template: str, language: str = "en", **overrides: Any) -> RenderedMessage:
    return render_notification(queued(template, language, **overrides))


def test_every_notification_folder_is_covered_here() -> None:
    folder = Path(settings.BASE_DIR) / "templates" / "notifications"
    on_disk = {path.name for path in folder.iterdir() if path.is_dir() and not path.name.startswith("_")}
    assert on_disk == set(CONTEXTS)


@pytest.mark.parametrize("template", CONTEXTS)
def test_each_notification_renders_a_one_line_subject_text_and_html(template: str) -> None:
    message = rendered(template)
    identifier = CONTEXTS[template].get("reference") or CONTEXTS[template]["handle"]
    assert message.subject.strip() and "\n" not in message.subject
    assert message.subject.startswith("Recourse:")
    assert identifier in message.text and identifier in message.html
    assert message.html.startswith(("<!DOCTYPE html>", "<html"))
    for part in (message.subject, message.text, message.html):
        assert "{{" not in part and "{%" not in part and "%}" not in part and "}}" not in part


@pytest.mark.parametrize(
    "template", ["appeal_received", "appeal_withdrawn", "info_requested", "appeal_decided", "reply_reminder"]
)
def test_subjects_name_the_reference(template: str) -> None:
    assert REFERENCE in rendered(template).subject


@pytest.mark.parametrize("template", WITH_LINK)
def test_the_link_in_the_message_opens_the_sign_in_page_with_the_token(template: str) -> None:
    message = rendered(template)
    match = SIGN_IN_URL.search(message.text)
    assert match, message.text
    path, token = match.groups()
    view = resolve(path)
    assert view.view_name == "appeal:sign_in" and view.kwargs == {"token": token_for(SELECTOR)}
    assert match.group(0) in message.html
    assert "30 minutes" in message.text


@pytest.mark.parametrize("template", ["sign_in_link", "appeal_filed_elsewhere"])
def test_a_newline_in_a_handle_cannot_add_a_mail_header(template: str) -> None:
    subject = rendered(template, handle="jo\r\nBcc: everyone@example.org").subject
    assert "\n" not in subject and "\r" not in subject
    assert "@jo Bcc: everyone@example.org" in subject


@pytest.mark.parametrize("template", WITH_HANDLE)
def test_plain_text_shows_a_handle_with_an_apostrophe_and_ampersand_as_typed(template: str) -> None:
    message = rendered(template, handle="O'Brien & <Co>")
    assert "@O'Brien & <Co>" in message.text
    for entity in ("&amp;", "&#x27;", "&#39;", "&lt;", "&gt;", "&quot;"):
        assert entity not in message.text and entity not in message.subject
    assert "O&#x27;Brien &amp; &lt;Co&gt;" in message.html and "<Co>" not in message.html


def test_a_reply_by_date_is_shown_as_a_date_in_utc() -> None:
    notification = notification_queue(
        template="info_requested",
        recipient_email="alice@example.org",
        context=CONTEXTS["info_requested"],
    )
    message = render_notification(notification)  # not read back: the context still holds a datetime
    assert "June 1, 2031" in message.text and "UTC" in message.text
    assert "June 1, 2031" in message.html


def test_a_reply_by_date_read_back_from_json_is_shown_as_a_date() -> None:
    message = rendered("info_requested")
    assert "2031-06-01T12:00:00Z" not in message.text
    assert "June 1, 2031" in message.text and "June 1, 2031" in message.html
    assert "paused until you answer" in message.text


def test_only_an_overturned_decision_says_the_account_will_be_restored() -> None:
    assert "restore the account" in rendered("appeal_decided").text
    for outcome in ("upheld", "modified"):
        message = rendered("appeal_decided", outcome=outcome)
        assert "restore the account" not in message.text and "restore the account" not in message.html
        assert "out-of-court dispute settlement body" in message.text


@pytest.mark.parametrize("template", ["verify_contact", "appeal_received"])
def test_messages_sent_whether_or_not_a_case_exists_do_not_mention_a_suspension(template: str) -> None:
    message = rendered(template)
    assert "suspen" not in message.text.lower() and "suspen" not in message.html.lower()


@pytest.mark.parametrize("template", ["appellant_replied", "approval_waiting", "decision_sent_back"])
def test_staff_messages_link_to_the_appeal_in_the_admin(template: str) -> None:
    message = rendered(template)
    assert f"{settings.SITE_URL}/admin/appeals/appeal/?q={REFERENCE}" in message.text
    assert f'href="{settings.SITE_URL}/admin/appeals/appeal/?q={REFERENCE}"' in message.html
    assert "/appeal/inbox/" not in message.text


@pytest.mark.parametrize("template", WITH_HANDLE)
def test_appellant_messages_point_to_the_inbox(template: str) -> None:
    message = rendered(template)
    assert f"{settings.SITE_URL}/appeal/inbox/" in message.text
    assert f'href="{settings.SITE_URL}/appeal/inbox/"' in message.html
    assert "Digital Services Act" in message.html


@pytest.mark.parametrize("template", CONTEXTS)
def test_each_notification_renders_in_german(template: str) -> None:
    message = rendered(template, language="de")
    assert message.subject and message.text.strip()
    assert '<html lang="de"' in message.html
