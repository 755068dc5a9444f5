"""The appellant's side in a real browser: find the case, read why, appeal, answer, read the decision, withdraw.

The staff side goes through appeals.services (the reviewer dashboard does not exist yet); everything the
appellant does goes through the pages, and each step is checked on the page and in the database.
"""

import struct
import zlib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import dateformat, timezone
from playwright.sync_api import Locator, Page, expect

from accounts.appellant_access import sign_in_link_request
from accounts.models import User
from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.models import (
    Appeal,
    AppealReason,
    AppealStatus,
    Decision,
    Message,
    NoticeStatus,
    Outcome,
    Suspension,
    Wave,
)
from appeals.services import appeal_answer, appeal_claim, appeal_decide, appeal_request_info, decision_approve
from appeals.suspensions import notice_record
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import PLATFORM, make_appeal, make_suspension

HANDLE = "mira_counterext"
EMAIL_ON_FILE = "mira.okafor@uni-example.org"
NEW_ADDRESS = "mira.okafor@fastmail.example"
FACTS = (
    "Four images in a thread posted by the account matched known terrorist propaganda in the shared hash database. "
    "Detected and decided automatically by extremism-classifier-v7/rule-4471; no person reviewed the post."
)
RULE = "Community Guidelines §3.2 — Violent extremism"
STATEMENT = (
    "I am a researcher at a university centre that studies online radicalisation. The thread you removed took a "
    "recruitment video apart frame by frame: every still is captioned with what the video claims and why it is "
    "false. Please read the whole thread, not only the four images your system matched."
)
QUESTION = "Can you send us a link to the university page that lists your research project?"
ANSWER = "Here is the project page and the archived thread; the text file lists both addresses."
REASONS = (
    "We read the whole thread, not only the four images the system matched. Each still is paired with a clear "
    "rebuttal, and the thread warns readers against the group. That is research and counter-speech, which the "
    "guidelines protect. Your account is restored."
)


# --- the people and their case ------------------------------------------------------------------------------------


def researcher_suspension(*, informed: bool = True) -> Suspension:
    """An anti-extremist researcher swept up in a wave of terrorist-content suspensions."""
    wave = Wave.objects.create(key="2026-11-terror-sweep", name="Terrorist content sweep, November 2026")
    return make_suspension(
        HANDLE,
        informed=informed,
        account_email=EMAIL_ON_FILE,
        wave=wave,
        decision_ground=DecisionGround.INCOMPATIBLE_CONTENT,
        incompatible_content_ground=RULE,
        incompatible_content_explanation=(
            "Sharing material produced by a terrorist organisation is not allowed, whatever the caption, unless it "
            "is clearly framed as news, research, education or counter-speech."
        ),
        category=Category.RISK_FOR_PUBLIC_SECURITY,  # sensitive: overturning it needs a second senior reviewer
        category_specification=["KEYWORD_TERRORIST_CONTENT"],
        decision_facts=FACTS,
        content_description="A thread of nine posts taking a terrorist group's recruitment video apart.",
        source_type=SourceType.VOLUNTARY,
        automated_detection=True,
        automated_decision=AutomatedDecision.FULLY,
        detection_rule="extremism-classifier-v7/rule-4471",
    )


def png_bytes() -> bytes:
    """A real 1x1 PNG: the server decides what a file is by its bytes, not its name."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8-bit RGB
    pixels = zlib.compress(b"\x00\x1f\x4e\x79")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def shown_date(moment: datetime | date) -> str:
    """A date as the pages print it ("j F Y" in the site's time zone)."""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment)
    return dateformat.format(moment, "j F Y")


# --- reading the pages --------------------------------------------------------------------------------------------


def heading(page: Page, name: str) -> Locator:
    return page.get_by_role("heading", level=1, name=name)


def details(page: Page, term: str) -> Locator:
    """The <dd> that answers a <dt> in the statement of reasons."""
    return page.locator(f'dt:text-is("{term}") + dd')


def status_line(page: Page) -> Locator:
    return page.locator(".status-line")


def sign_in(page: Page, outbox_link: Callable[[str, str], str], suspension: Suspension) -> None:
    """Ask for a link as the account holder (as the find form does) and follow it from the outbox."""
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip=None)
    page.goto(outbox_link("sign_in_link", suspension.account_email))
    page.get_by_role("button", name="Continue").click()
    expect(heading(page, f"The decision about @{suspension.handle}")).to_be_visible()


def appellant_trail() -> list[tuple[str, str, str | None]]:
    return [(e.action, e.actor_id, e.ip) for e in AuditEvent.objects.filter(actor_kind="appellant")]


# --- the journeys -------------------------------------------------------------------------------------------------


def test_appellant_finds_case_appeals_answers_and_reads_the_decision(
    page: Page,
    rita: User,
    sam: User,
    tmp_path: Path,
    outbox_link: Callable[[str, str], str],
    readme_screenshot: Callable[[str], Path],
    csp_violations: list[str],
) -> None:
    suspension = researcher_suspension()
    assert suspension.informed_at is not None
    case_ref = f"case:{suspension.pk}"

    page.goto("/appeal/")
    expect(heading(page, "Was your account suspended? You can appeal.")).to_be_visible()
    readme_screenshot("start")
    page.get_by_role("link", name="Find my case").click()

    expect(heading(page, "Find my case")).to_be_visible()
    page.get_by_label("Your account handle").fill(f"@{HANDLE}")
    page.get_by_label("Email address").fill(EMAIL_ON_FILE)
    readme_screenshot("find")
    page.get_by_role("button", name="Send me a sign-in link").click()

    expect(heading(page, "Check your email")).to_be_visible()
    readme_screenshot("check-email")
    page.goto(outbox_link("sign_in_link", EMAIL_ON_FILE))
    expect(heading(page, "Open your case")).to_be_visible()
    page.get_by_role("button", name="Continue").click()

    # The case: the statement of reasons, how we tried to tell them, and until when they can appeal.
    expect(heading(page, f"The decision about @{HANDLE}")).to_be_visible()
    expect(details(page, "Facts and circumstances")).to_have_text(FACTS)
    expect(details(page, "The rule relied on")).to_have_text(RULE)
    expect(details(page, "Category")).to_have_text("Risk for public security: Terrorist content")
    expect(details(page, "Found by automated means")).to_have_text("Yes")
    expect(details(page, "Decided by automated means")).to_have_text("Fully automated")
    notice = suspension.notices.get()
    expect(page.locator("ul.notices > li")).to_have_text(
        f"Email sent on {shown_date(notice.sent_at)} to m•••@uni-example.org: Delivered"
    )
    suspension.refresh_from_db()
    assert suspension.appeal_deadline is not None
    assert suspension.informed_at is not None
    expect(page.get_by_text("You can appeal until")).to_have_text(
        f"You can appeal until {shown_date(suspension.appeal_deadline)} "
        f"(six months from {shown_date(suspension.informed_at)})."
    )
    readme_screenshot("case")

    page.get_by_role("link", name="Appeal this decision").click()
    expect(heading(page, f"Appeal the decision about @{HANDLE}")).to_be_visible()
    evidence_png = tmp_path / "thread-debunk-still.png"
    evidence_png.write_bytes(png_bytes())
    page.get_by_role("radio", name="The context was missed").check()
    page.get_by_label("Your explanation").fill(STATEMENT)
    page.get_by_label("Evidence (optional)").set_input_files(evidence_png)
    page.get_by_role("radio", name="English").check()
    readme_screenshot("appeal-form")
    page.get_by_role("button", name="Send my appeal").click()

    expect(heading(page, "We received your appeal")).to_be_visible()
    appeal = Appeal.objects.get(suspension=suspension)
    expect(page.locator(".reference")).to_have_text(f"Your reference: {appeal.reference}")
    readme_screenshot("confirmation")
    assert appeal.status == AppealStatus.SUBMITTED
    assert appeal.identity_verified
    assert (appeal.reason, appeal.statement, appeal.language) == (AppealReason.CONTEXT_MISSED, STATEMENT, "en")
    assert appeal.contact_email == EMAIL_ON_FILE
    assert list(appeal.evidence.values_list("original_name", "content_type", "message")) == [
        ("thread-debunk-still.png", "image/png", None)
    ]

    page.get_by_role("link", name="Follow your appeal").click()
    expect(heading(page, f"Appeal {appeal.reference}")).to_be_visible()
    expect(status_line(page)).to_have_text("Status: Received")
    expect(page.get_by_role("link", name="thread-debunk-still.png")).to_be_visible()

    # A reviewer picks it up and asks a question.
    appeal_claim(appeal=appeal, by=rita)
    reply_by = timezone.now() + timedelta(days=7)
    appeal_request_info(appeal=appeal, by=rita, body=QUESTION, reply_by=reply_by)

    page.reload()
    expect(status_line(page)).to_have_text("Status: We need information from you")
    question = page.locator("article.message-item").filter(has_text="Your reviewer wrote")
    expect(question).to_contain_text(QUESTION)
    expect(question).to_contain_text(f"Please answer by {shown_date(reply_by)}.")

    answer_file = tmp_path / "project-links.txt"
    answer_file.write_text(
        "https://radicalisation-lab.uni-example.org/projects/recruitment-videos\n"
        "https://archive.example.org/thread/mira_counterext/recruitment-video-debunk\n"
    )
    page.get_by_label("Your message").fill(ANSWER)
    page.get_by_label("Attach files (optional)").set_input_files(answer_file)
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_role("status")).to_have_text("Your message was sent.")
    answer = page.locator("article.message-item").filter(has_text="You wrote")
    expect(answer).to_contain_text(ANSWER)
    expect(answer.get_by_role("link", name="project-links.txt")).to_be_visible()
    expect(status_line(page)).to_have_text("Status: In review")
    readme_screenshot("status-with-messages")
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.IN_REVIEW
    sent = appeal.messages.get(author_kind=Message.Author.APPELLANT)
    assert sent.body == ANSWER
    assert list(sent.attachments.values_list("original_name", "content_type")) == [("project-links.txt", "text/plain")]

    # Overturning in a sensitive category waits for a senior reviewer; the appellant sees no decision until then.
    proposal = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)
    assert proposal.state == Decision.State.PROPOSED
    page.reload()
    expect(status_line(page)).to_have_text("Status: In review")
    expect(page.get_by_role("link", name="Read the decision")).to_have_count(0)

    decision_approve(decision=proposal, by=sam)
    page.reload()
    expect(status_line(page)).to_have_text("Status: Decided")
    expect(page.locator("ol.timeline > li")).to_contain_text(
        [
            "You sent your appeal.",
            "A reviewer started work on it.",
            "We asked you for more information.",
            "You wrote to us.",
            "The appeal was decided.",
        ]
    )
    page.get_by_role("link", name="Read the decision").click()

    expect(heading(page, "The decision on your appeal")).to_be_visible()
    expect(page.locator(".outcome")).to_have_text("Overturned: the account is restored")
    expect(page.locator(".reasons")).to_have_text(REASONS)
    disagree = page.locator("section", has=page.get_by_role("heading", name="If you disagree"))
    expect(disagree).to_contain_text("certified out-of-court dispute settlement body")
    expect(disagree.get_by_role("link", name="Find a certified dispute settlement body")).to_have_attribute(
        "href", settings.OUT_OF_COURT_DISPUTE_URL
    )
    readme_screenshot("decision")
    appeal.refresh_from_db()
    suspension.refresh_from_db()
    assert appeal.status == AppealStatus.DECIDED
    assert appeal.final_decision() == proposal
    assert suspension.reinstated_at is not None

    page.get_by_role("link", name="Inbox").click()
    expect(heading(page, "Everything we sent you")).to_be_visible()
    subjects = page.locator("article.inbox-item h2")
    for subject in (
        f"Recourse: decision on your appeal {appeal.reference}",
        f"Recourse: a question about your appeal {appeal.reference}",
        f"Recourse: we received your appeal {appeal.reference}",
    ):
        expect(subjects.filter(has_text=subject)).to_have_count(1)
    expect(page.get_by_text("/appeal/sign-in/")).to_have_count(0)  # sign-in links stay out of the inbox
    readme_screenshot("inbox")

    assert appellant_trail() == [
        ("access.link_requested", f"handle:{HANDLE}", "127.0.0.1"),
        ("access.signed_in", case_ref, "127.0.0.1"),
        ("case.opened", case_ref, "127.0.0.1"),
        ("appeal.filed", case_ref, "127.0.0.1"),
        ("appeal.answered", case_ref, "127.0.0.1"),
    ]
    staff_actions = AuditEvent.objects.for_target(appeal).filter(actor_kind="staff")
    assert [(event.action, event.actor_id) for event in staff_actions] == [
        ("appeal.claimed", str(rita.pk)),
        ("appeal.info_requested", str(rita.pk)),
        ("appeal.decision_proposed", str(rita.pk)),
        ("appeal.decision_approved", str(sam.pk)),
    ]
    assert csp_violations == []


def test_person_who_never_received_the_email_appeals_from_a_new_address(
    page: Page,
    outbox_link: Callable[[str, str], str],
    readme_screenshot: Callable[[str], Path],
    csp_violations: list[str],
) -> None:
    suspension = researcher_suspension(informed=False)
    sent = timezone.now() - timedelta(days=2)
    notice_record(
        actor=PLATFORM,
        suspension=suspension,
        channel="email",
        address=EMAIL_ON_FILE,
        status=NoticeStatus.BOUNCED,
        sent_at=sent,
        status_at=sent + timedelta(minutes=1),
        detail="550 5.1.1 mailbox unavailable",
    )
    suspension.refresh_from_db()
    assert suspension.never_informed

    page.goto("/appeal/")
    expect(page.get_by_role("heading", name="I never received an email, or I lost that address")).to_be_visible()
    page.get_by_role("link", name="Appeal from another address").click()

    expect(heading(page, "I never received an email, or I lost that address")).to_be_visible()
    page.get_by_label("Your account handle").fill(HANDLE)
    page.get_by_label("An email address you can read now").fill(NEW_ADDRESS)
    readme_screenshot("lost-address")
    page.get_by_role("button", name="Send me a link").click()

    expect(heading(page, "Check your email")).to_be_visible()
    page.goto(outbox_link("verify_contact", NEW_ADDRESS))
    page.get_by_role("button", name="Continue").click()

    # Not tied to the account yet: no statement of reasons, only the way to appeal.
    expect(heading(page, f"Appeal about @{HANDLE}")).to_be_visible()
    expect(page.get_by_text("we will not show the details of the decision here")).to_be_visible()
    for secret in (FACTS, RULE, "Facts and circumstances", "Terrorist content", EMAIL_ON_FILE, "m•••@"):
        expect(page.get_by_text(secret)).to_have_count(0)
    readme_screenshot("case-unverified")
    page.get_by_role("link", name="Write an appeal").click()

    expect(heading(page, f"Appeal the decision about @{HANDLE}")).to_be_visible()
    expect(page.get_by_text(f"We will write to you at {NEW_ADDRESS}.")).to_be_visible()
    page.get_by_role("radio", name="It was not me").check()
    page.get_by_role("radio", name="The context was missed").check()  # a person may change their mind
    page.get_by_label("Your explanation").fill(STATEMENT)
    page.get_by_role("button", name="Send my appeal").click()

    expect(heading(page, "We received your appeal")).to_be_visible()
    appeal = Appeal.objects.get(contact_email=NEW_ADDRESS)
    expect(page.locator(".reference")).to_have_text(f"Your reference: {appeal.reference}")
    assert appeal.suspension == suspension
    assert not appeal.identity_verified
    assert (appeal.handle, appeal.reason, appeal.statement) == (HANDLE, AppealReason.CONTEXT_MISSED, STATEMENT)
    assert appeal.status == AppealStatus.SUBMITTED
    warning = Notification.objects.get(template="appeal_filed_elsewhere")
    assert warning.recipient_email == EMAIL_ON_FILE
    assert warning.related_id == suspension.pk
    assert warning.context["contact"] == "m•••@fastmail.example"

    page.get_by_role("link", name="Follow your appeal").click()
    expect(status_line(page)).to_have_text("Status: Received")
    expect(page.get_by_role("link", name="Read the platform's statement of reasons")).to_have_count(0)

    handle_ref = f"handle:{HANDLE}"
    assert appellant_trail() == [
        ("access.contact_verification_requested", handle_ref, "127.0.0.1"),
        ("access.signed_in", handle_ref, "127.0.0.1"),
        ("appeal.filed", f"case:{suspension.pk}", "127.0.0.1"),
    ]
    assert csp_violations == []


def test_appellant_withdraws_after_confirming(
    page: Page,
    outbox_link: Callable[[str, str], str],
    readme_screenshot: Callable[[str], Path],
    csp_violations: list[str],
) -> None:
    suspension = researcher_suspension()
    appeal = make_appeal(suspension, statement=STATEMENT)
    sign_in(page, outbox_link, suspension)

    page.get_by_role("link", name=f"Appeal {appeal.reference}").click()
    expect(status_line(page)).to_have_text("Status: Received")
    page.get_by_role("link", name="Withdraw my appeal").click()

    expect(heading(page, f"Withdraw appeal {appeal.reference}?")).to_be_visible()
    expect(page.get_by_text("Nobody will review it any further.")).to_be_visible()
    readme_screenshot("withdraw-confirmation")
    page.get_by_role("button", name="Yes, withdraw my appeal").click()

    expect(page.get_by_role("status")).to_have_text("Your appeal was withdrawn.")
    expect(status_line(page)).to_have_text("Status: Withdrawn")
    expect(page.locator("ol.timeline > li").last).to_contain_text("You withdrew the appeal.")
    expect(page.get_by_role("link", name="Withdraw my appeal")).to_have_count(0)
    expect(page.get_by_label("Your message")).to_have_count(0)
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.WITHDRAWN
    assert appeal.withdrawn_at is not None
    withdrawal = AuditEvent.objects.for_target(appeal).get(action="appeal.withdrawn")
    assert (withdrawal.actor_kind, withdrawal.actor_id, withdrawal.ip) == (
        "appellant",
        f"case:{suspension.pk}",
        "127.0.0.1",
    )
    assert Notification.objects.filter(template="appeal_withdrawn", recipient_email=EMAIL_ON_FILE).count() == 1
    assert csp_violations == []


def test_inbox_shows_only_what_was_sent_to_the_appellant(
    page: Page, rita: User, sam: User, outbox_link: Callable[[str, str], str], csp_violations: list[str]
) -> None:
    """Reviewers are emailed about the same appeal ("the appellant replied", "waits for your approval"); those
    messages name staff links and are not the appellant's to read."""
    suspension = researcher_suspension()
    appeal = make_appeal(suspension, statement=STATEMENT)
    appeal_claim(appeal=appeal, by=rita)
    appeal_answer(appeal=appeal, body=ANSWER)  # tells rita
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons=REASONS)  # asks sam to approve
    assert set(Notification.objects.filter(recipient_user__isnull=False).values_list("template", flat=True)) == {
        "appellant_replied",
        "approval_waiting",
    }
    sign_in(page, outbox_link, suspension)

    page.get_by_role("link", name="Inbox").click()

    expect(heading(page, "Everything we sent you")).to_be_visible()
    expect(page.locator("article.inbox-item h2")).to_have_text(
        [f"Recourse: we received your appeal {appeal.reference}"]
    )
    expect(page.get_by_text("/admin/")).to_have_count(0)
    expect(page.get_by_text(rita.email)).to_have_count(0)
    assert csp_violations == []
