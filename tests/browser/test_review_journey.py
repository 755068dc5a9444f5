"""The reviewers' side in a real browser: first sign-in with an authenticator, take the next appeal, ask the
appellant, decide, and a senior reviewer approves the reversal; the appellant answers and reads the decision.

Everything the people do goes through the pages, each in their own browser context; each step is checked on the
page and in the database.
"""

import base64
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from django.utils import dateformat, timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from accounts.models import User
from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.models import Appeal, AppealStatus, Decision, Message, Outcome, Suspension, Wave
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.browser.conftest import README_VIEWPORT, staff_login
from tests.conftest import current_code, totp_device
from tests.factories import PASSWORD, make_appeal, make_suspension

HANDLE = "dara_peacewatch"
EMAIL_ON_FILE = "dara.nwosu@civic-example.org"
FACTS = (
    "Six posts in a thread by the account used keywords and images flagged in the terrorist-content wave of "
    "14 November. Detected and decided automatically by extremism-classifier-v7/rule-4471."
)
RULE = "Community Guidelines §3.2 — Violent extremism"
STATEMENT = (
    "I organise a peace vigil for the victims of last week's attack. The thread you removed names the group only "
    "to condemn it and tells people where to bring flowers. Please read the posts, not the keywords."
)
QUESTION = "Can you tell us which organisation runs the vigil, and link its public announcement?"
ANSWER = "The vigil is run by Civic Peace Network; the announcement is on civic-example.org/vigil-14-november."
REASONS = (
    "We read the whole thread. It condemns the attack and the group behind it and organises a vigil for the "
    "victims; nothing in it supports or promotes terrorism. Your account is restored."
)


# --- the people and their case ------------------------------------------------------------------------------------


def activist_suspension(wave: Wave) -> Suspension:
    """A peace activist swept up in a wave of terrorist-content suspensions: a sensitive category."""
    return make_suspension(
        HANDLE,
        account_email=EMAIL_ON_FILE,
        wave=wave,
        decision_ground=DecisionGround.INCOMPATIBLE_CONTENT,
        incompatible_content_ground=RULE,
        incompatible_content_explanation="Praising or promoting a terrorist organisation is not allowed.",
        category=Category.RISK_FOR_PUBLIC_SECURITY,
        category_specification=["KEYWORD_TERRORIST_CONTENT"],
        decision_facts=FACTS,
        source_type=SourceType.VOLUNTARY,
        automated_detection=True,
        automated_decision=AutomatedDecision.FULLY,
        detection_rule="extremism-classifier-v7/rule-4471",
    )


def other_work(wave: Wave) -> None:
    """Appeals filed later, so due later: the queue has more than one row, and "Take next" must choose."""
    make_appeal(make_suspension("vigil_photos", wave=wave, category=Category.RISK_FOR_PUBLIC_SECURITY))
    make_appeal(make_suspension("jo_satire", informed=False), identity_verified=False)


def authenticator_code(secret: str) -> str:
    """What an authenticator app shows for the key typed in by hand (RFC 6238 defaults)."""
    return f"{TOTP(base64.b32decode(secret), step=30, t0=0, digits=6).token():06d}"


def shown_date(moment: datetime | date, format_string: str = "j F Y") -> str:
    """A date as the pages print it, in the site's time zone."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment)
    return dateformat.format(moment, format_string)


# --- reading the pages --------------------------------------------------------------------------------------------


def heading(page: Page, name: str) -> Locator:
    return page.get_by_role("heading", level=1, name=name)


def details(page: Page, term: str) -> Locator:
    """The <dd> that answers a <dt> in the statement of reasons."""
    return page.locator(f'dt:text-is("{term}") + dd')


def case_status(page: Page) -> Locator:
    return page.locator(".case-status strong")


def flashed(page: Page) -> Locator:
    return page.locator(".messages[role=status]")


def staff_trail(appeal: Appeal) -> list[tuple[str, str, str, str | None]]:
    return [(e.action, e.actor_kind, e.actor_id, e.ip) for e in AuditEvent.objects.for_target(appeal)]


# --- the journeys -------------------------------------------------------------------------------------------------


def test_reviewer_and_senior_decide_an_appeal_the_appellant_reads(
    page: Page,
    new_context: Callable[..., BrowserContext],
    live_server: LiveServer,
    rita: User,
    sam: User,
    outbox_link: Callable[[str, str], str],
    readme_screenshot: Callable[[str], Path],
    readme_screenshot_of: Callable[[Page, str], Path],
    csp_violations: list[str],
) -> None:
    wave = Wave.objects.create(key="2026-11-terror-sweep", name="Terrorist content sweep, November 2026")
    suspension = activist_suspension(wave)
    appeal = make_appeal(suspension, statement=STATEMENT)
    other_work(wave)
    case_ref = f"case:{suspension.pk}"
    assert suspension.is_sensitive
    assert not TOTPDevice.objects.filter(user=rita).exists()

    # Rita's first sign-in: password, then she sets up her authenticator app from the QR code.
    page.goto("/review/login/")
    expect(heading(page, "Staff sign-in")).to_be_visible()
    page.get_by_label("Email").fill(rita.email)
    page.get_by_label("Password").fill(PASSWORD)
    readme_screenshot("review-login")
    page.get_by_role("button", name="Continue").click()

    expect(heading(page, "Set up your authenticator")).to_be_visible()
    qr = page.get_by_role("img", name="QR code holding your authenticator secret")
    expect(qr).to_be_visible()
    expect(qr).to_have_attribute("src", re.compile(r"^data:image/svg\+xml"))
    secret = page.locator("code.secret").inner_text().replace(" ", "")  # shown in groups of four to type
    device = TOTPDevice.objects.get(user=rita)
    assert not device.confirmed
    assert base64.b32decode(secret) == device.bin_key
    readme_screenshot("review-enrol")
    page.get_by_label("Code from your authenticator app").fill(authenticator_code(secret))
    page.get_by_role("button", name="Confirm and sign in").click()

    expect(heading(page, "Appeals to review")).to_be_visible()
    device.refresh_from_db()
    assert device.confirmed
    enrolled = AuditEvent.objects.for_target(rita).filter(action="staff.totp_enrolled")
    assert [event.actor_id for event in enrolled] == [str(rita.pk)]
    rows = page.locator("table.queue tbody tr")
    expect(rows).to_have_count(3)
    row = rows.filter(has_text=appeal.reference)
    expect(row).to_contain_text(f"@{HANDLE}")
    expect(row).to_contain_text("Risk for public security")
    expect(row).to_contain_text("Submitted")
    readme_screenshot("review-queue")

    # She takes the most urgent appeal: the one filed first.
    page.get_by_role("button", name="Take next").click()

    expect(heading(page, f"{appeal.reference} · @{HANDLE}")).to_be_visible()
    expect(case_status(page)).to_have_text("In review")
    expect(page.locator(".case-status")).to_contain_text("held by Rita")
    expect(page.locator(".case-flags .flag")).to_have_text(
        ["Sensitive category: reversals need a second senior reviewer"]
    )
    statement = page.locator("section", has=page.get_by_role("heading", name="The appellant's statement"))
    expect(statement.locator("blockquote")).to_have_text(STATEMENT)
    expect(page.locator("details", has_text="Statement of reasons")).to_have_attribute("open", "")
    expect(details(page, "Facts and circumstances")).to_have_text(FACTS)
    expect(details(page, "The rule relied on")).to_have_text(RULE)
    expect(details(page, "Category")).to_have_text("Risk for public security: Terrorist content")
    expect(page.locator(".case-side")).to_contain_text(f"wave {wave.name}")
    appeal.refresh_from_db()
    assert (appeal.status, appeal.assigned_to) == (AppealStatus.IN_REVIEW, rita)

    reply_by = timezone.localdate() + timedelta(days=7)
    ask = page.locator("section", has=page.get_by_role("heading", name="Ask the appellant"))
    # Not get_by_label: the note form above has a textarea with the same id (id_body), which that label names.
    ask.locator("textarea[name=body]").fill(QUESTION)
    ask.get_by_label("Reply by").fill(reply_by.isoformat())
    ask.get_by_role("button", name="Send question").click()

    expect(flashed(page)).to_have_text("Sent. The clock is paused until the appellant answers.")
    expect(case_status(page)).to_have_text("Information requested")
    expect(page.locator(".case-status")).to_contain_text("clock paused")
    question = page.locator("article.message-item.message-staff")
    expect(question).to_contain_text(QUESTION)
    expect(question).to_contain_text(f"Reply by {shown_date(reply_by, 'j M Y')}")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.INFO_REQUESTED
    assert appeal.sla_paused_at is not None
    asked = appeal.messages.get()
    assert (asked.author, asked.body, asked.internal) == (rita, QUESTION, False)
    assert asked.reply_by is not None and timezone.localdate(asked.reply_by) == reply_by

    # The appellant, in a browser of their own, finds the case, signs in from the email and answers.
    appellant = new_context().new_page()
    appellant.goto("/appeal/")
    appellant.get_by_role("link", name="Find my case").click()
    appellant.get_by_label("Your account handle").fill(f"@{HANDLE}")
    appellant.get_by_label("Email address").fill(EMAIL_ON_FILE)
    appellant.get_by_role("button", name="Send me a sign-in link").click()
    expect(heading(appellant, "Check your email")).to_be_visible()
    appellant.goto(outbox_link("sign_in_link", EMAIL_ON_FILE))
    appellant.get_by_role("button", name="Continue").click()

    expect(heading(appellant, f"The decision about @{HANDLE}")).to_be_visible()
    appellant.get_by_role("link", name=f"Appeal {appeal.reference}").click()
    expect(heading(appellant, f"Appeal {appeal.reference}")).to_be_visible()
    expect(appellant.locator(".status-line")).to_have_text("Status: We need information from you")
    reviewer_wrote = appellant.locator("article.message-item").filter(has_text="Your reviewer wrote")
    expect(reviewer_wrote).to_contain_text(QUESTION)
    expect(reviewer_wrote).to_contain_text(f"Please answer by {shown_date(reply_by)}.")
    appellant.get_by_label("Your message").fill(ANSWER)
    appellant.get_by_role("button", name="Send", exact=True).click()

    expect(appellant.get_by_role("status")).to_have_text("Your message was sent.")
    expect(appellant.locator(".status-line")).to_have_text("Status: In review")
    assert appeal.messages.get(author_kind=Message.Author.APPELLANT).body == ANSWER
    assert Notification.objects.filter(template="appellant_replied", recipient_user=rita).count() == 1

    # Rita reads the answer and overturns; in this category that is a proposal for a senior reviewer.
    page.reload()
    expect(case_status(page)).to_have_text("In review")
    expect(page.locator("article.message-item.message-appellant")).to_contain_text(ANSWER)
    readme_screenshot("review-case")
    page.get_by_role("radio", name="Overturned: the account is restored").check()
    page.get_by_label("Reasons (the appellant reads these)").fill(REASONS)
    page.get_by_role("button", name="Record decision").click()

    expect(flashed(page)).to_contain_text("it waits for a second senior reviewer")
    expect(case_status(page)).to_have_text("Awaiting a second reviewer")
    proposal_box = page.locator("section.decision-box")
    expect(proposal_box.get_by_role("heading")).to_have_text(
        "Decision: Overturned: the account is restored (Waiting for approval)"
    )
    expect(proposal_box.get_by_role("button", name="Approve")).to_have_count(0)  # not hers to approve
    proposal = appeal.decisions.get()
    assert (proposal.state, proposal.outcome, proposal.decided_by, proposal.approved_by) == (
        Decision.State.PROPOSED,
        Outcome.OVERTURNED,
        rita,
        None,
    )
    appeal.refresh_from_db()
    suspension.refresh_from_db()
    assert appeal.status == AppealStatus.AWAITING_APPROVAL
    assert suspension.reinstated_at is None
    assert Notification.objects.filter(template="approval_waiting", recipient_user=sam).count() == 1

    # Sam, a senior reviewer, approves it from his own browser.
    senior = new_context(viewport=README_VIEWPORT).new_page()
    staff_login(senior, live_server, sam)
    expect(heading(senior, "Appeals to review")).to_be_visible()
    senior.get_by_role("navigation", name="Review").get_by_role("link", name="Approvals").click()

    expect(heading(senior, "Sensitive reversals waiting for a second reviewer")).to_be_visible()
    waiting = senior.locator("table.queue tbody tr")
    expect(waiting).to_have_count(1)
    expect(waiting).to_contain_text(f"{appeal.reference} @{HANDLE}")
    expect(waiting).to_contain_text("Overturned: the account is restored")
    expect(waiting).to_contain_text("Rita")
    readme_screenshot_of(senior, "review-approvals")
    waiting.get_by_role("link", name=appeal.reference).click()

    expect(heading(senior, f"{appeal.reference} · @{HANDLE}")).to_be_visible()
    senior.locator("section.decision-box").get_by_role("button", name="Approve").click()

    expect(flashed(senior)).to_have_text("Approved. The appellant is told now.")
    expect(case_status(senior)).to_have_text("Decided")
    expect(senior.locator("section.decision-box .meta")).to_contain_text("approved by Sam")
    proposal.refresh_from_db()
    appeal.refresh_from_db()
    suspension.refresh_from_db()
    assert (proposal.state, proposal.approved_by) == (Decision.State.FINAL, sam)
    assert appeal.status == AppealStatus.DECIDED
    assert appeal.final_decision() == proposal
    assert suspension.reinstated_at is not None

    # The appellant reads the decision.
    appellant.reload()
    expect(appellant.locator(".status-line")).to_have_text("Status: Decided")
    appellant.get_by_role("link", name="Read the decision").click()
    expect(heading(appellant, "The decision on your appeal")).to_be_visible()
    expect(appellant.locator(".outcome")).to_have_text("Overturned: the account is restored")
    expect(appellant.locator(".reasons")).to_have_text(REASONS)

    rita_id, sam_id, here = str(rita.pk), str(sam.pk), "127.0.0.1"
    assert staff_trail(appeal) == [
        ("appeal.filed", "appellant", case_ref, None),  # filed by the factory, not through a page
        ("appeal.claimed", "staff", rita_id, here),
        ("appeal.info_requested", "staff", rita_id, here),
        ("appeal.answered", "appellant", case_ref, here),
        ("appeal.decision_proposed", "staff", rita_id, here),
        ("appeal.decision_approved", "staff", sam_id, here),
    ]
    assert AuditEvent.objects.for_target(appeal).get(action="appeal.claimed").data == {"next": True}
    assert csp_violations == []


def test_second_factor_is_required_for_the_dashboard(page: Page, rita: User, csp_violations: list[str]) -> None:
    device = totp_device(rita)
    page.goto("/review/login/")
    page.get_by_label("Email").fill(rita.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(heading(page, "Enter your code")).to_be_visible()

    # Skipping the code page by typing the dashboard's address leads straight back to it.
    page.goto("/review/")
    expect(page).to_have_url(re.compile(r"/review/login/code/\?next=%2Freview%2F$"))
    expect(heading(page, "Enter your code")).to_be_visible()
    expect(heading(page, "Appeals to review")).to_have_count(0)
    assert not AuditEvent.objects.filter(action="staff.signed_in").exists()

    page.get_by_label("Code from your authenticator app").fill(current_code(device))
    page.get_by_role("button", name="Sign in").click()
    expect(heading(page, "Appeals to review")).to_be_visible()
    assert AuditEvent.objects.for_target(rita).filter(action="staff.signed_in").count() == 1
    assert csp_violations == []
