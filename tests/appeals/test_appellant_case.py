"""Following an appeal over HTTP: status, messages, replies, withdrawal, the decision, downloads, the inbox, and
that one appellant never sees another's case."""

import re
from datetime import datetime, timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from accounts.models import User
from appeals.choices import Category
from appeals.models import Appeal, AppealStatus, Evidence, Outcome
from appeals.services import (
    appeal_answer,
    appeal_claim,
    appeal_decide,
    appeal_escalate,
    appeal_message_post,
    appeal_request_info,
    appeal_verify_identity,
)
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.rules import RuleViolation
from tests.appeals.test_appellant_pages import (
    CLIENT_IP,
    PDF,
    PNG,
    TEXT,
    shows,
    sign_in_from_new_address,
    signed_in,
    text_of,
    upload,
)
from tests.factories import make_appeal, make_suspension

pytestmark = pytest.mark.django_db

INTERNAL_NOTE = "Internal: the wave rule over-matched; do not tell the appellant yet."
REVIEWER_MESSAGE = "Could you link the original post you were quoting?"


def status_url(appeal: Appeal, page: str = "") -> str:
    return f"/appeal/appeals/{appeal.reference}/{page}"


def in_a_week() -> datetime:
    return timezone.now() + timedelta(days=7)


# --- the status page ----------------------------------------------------------------------------------------------


def test_the_status_page_shows_the_timeline_and_the_reviewers_messages(alice_appeal, rita) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_message_post(appeal=alice_appeal, by=rita, body=REVIEWER_MESSAGE, internal=False)
    page = signed_in(alice_appeal.suspension).get(status_url(alice_appeal))
    assert page.status_code == 200
    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', text_of(page), re.S)
    assert timeline is not None
    assert re.findall(r"</time> ([^<]+)</li>", timeline.group(1)) == [
        "You sent your appeal.",
        "A reviewer started work on it.",
        "Your reviewer wrote to you.",
    ]
    assert shows(page, REVIEWER_MESSAGE)
    assert shows(page, alice_appeal.statement)
    assert "In review" in text_of(page)


def test_internal_notes_are_never_shown_to_the_appellant(alice_appeal, rita, sam) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_message_post(appeal=alice_appeal, by=rita, body=INTERNAL_NOTE, internal=True)
    appeal_escalate(appeal=alice_appeal, by=rita, note="Escalating: possible wave error, senior please.")
    appeal_message_post(appeal=alice_appeal, by=sam, body=REVIEWER_MESSAGE, internal=False)
    client = signed_in(alice_appeal.suspension)
    pages = [client.get(url) for url in [status_url(alice_appeal), "/appeal/case/", "/appeal/inbox/"]]
    for page in pages:
        assert page.status_code == 200
        assert "do not tell the appellant" not in text_of(page)
        assert "wave error" not in text_of(page)
        assert "over-matched" not in text_of(page)
    assert shows(pages[0], REVIEWER_MESSAGE)
    assert text_of(pages[0]).count('class="message-item') == 1


def test_a_reply_with_an_attachment_restarts_the_clock_after_a_request_for_information(alice_appeal, rita) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_request_info(appeal=alice_appeal, by=rita, body=REVIEWER_MESSAGE, reply_by=in_a_week())
    paused_since = timezone.now() - timedelta(days=3)
    Appeal.objects.filter(pk=alice_appeal.pk).update(sla_paused_at=paused_since)
    due_before = Appeal.objects.get(pk=alice_appeal.pk).due_at
    client = signed_in(alice_appeal.suspension)
    asked = client.get(status_url(alice_appeal))
    assert "We need information from you" in text_of(asked) and "Please answer by" in text_of(asked)

    response = client.post(
        status_url(alice_appeal, "reply/"),
        {"body": "Here it is: the original post.", "attachments": [upload("original-post.pdf", PDF)]},
        REMOTE_ADDR=CLIENT_IP,
    )
    assert (response.status_code, response["Location"]) == (302, status_url(alice_appeal))
    appeal = Appeal.objects.get(pk=alice_appeal.pk)
    assert (appeal.status, appeal.sla_paused_at) == (AppealStatus.IN_REVIEW, None)
    assert timedelta(days=3) - timedelta(minutes=1) < appeal.due_at - due_before < timedelta(days=3, minutes=1)
    attachment = Evidence.objects.get(message__isnull=False)
    assert (attachment.original_name, attachment.content_type) == ("original-post.pdf", "application/pdf")
    event = AuditEvent.objects.get(action="appeal.answered")
    assert (event.actor_kind, event.ip, event.data["clock_resumed"], event.data["files"]) == (
        "appellant",
        CLIENT_IP,
        True,
        1,
    )
    assert Notification.objects.filter(template="appellant_replied", recipient_user=rita).exists()
    page = client.get(status_url(alice_appeal))
    assert "Your message was sent." in text_of(page)
    assert shows(page, "Here it is: the original post.")
    assert f'href="{status_url(alice_appeal, f"evidence/{attachment.pk}/")}">original-post.pdf<' in text_of(page)


def test_an_empty_reply_is_refused_with_a_message(alice_appeal) -> None:
    response = signed_in(alice_appeal.suspension).post(status_url(alice_appeal, "reply/"), {"body": "   "})
    assert response.status_code == 400
    assert "Write a message or attach a file." in text_of(response)
    assert not AuditEvent.objects.filter(action="appeal.answered").exists()


def test_a_reply_with_a_disguised_file_is_refused_naming_it_and_keeps_the_text(alice_appeal) -> None:
    response = signed_in(alice_appeal.suspension).post(
        status_url(alice_appeal, "reply/"),
        {"body": "See attached.", "attachments": [upload("proof.jpg", b"MZ\x90\x00\x03\x00\x00\x00")]},
    )
    assert response.status_code == 400
    assert "proof.jpg is not a PNG, JPEG, PDF or plain-text file." in text_of(response)
    assert "See attached." in text_of(response)
    assert not Evidence.objects.exists() and not AuditEvent.objects.filter(action="appeal.answered").exists()


def test_a_reply_beyond_five_files_on_the_whole_appeal_is_refused(alice_suspension) -> None:
    appeal = make_appeal(alice_suspension, evidence=[upload(f"shot{n}.png", PNG) for n in range(4)])
    files = [upload("one.txt", TEXT), upload("two.txt", TEXT + b"2")]
    response = signed_in(alice_suspension).post(status_url(appeal, "reply/"), {"body": "More.", "attachments": files})
    assert response.status_code == 400
    assert "You can attach at most 5 files." in text_of(response)
    assert Evidence.objects.count() == 4


def test_replying_to_a_closed_appeal_says_why_it_was_refused(alice_appeal, rita) -> None:
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    response = signed_in(alice_appeal.suspension).post(status_url(alice_appeal, "reply/"), {"body": "But wait!"})
    assert response.status_code == 400
    assert "This appeal is closed; you can no longer write to it." in text_of(response)
    assert not AuditEvent.objects.filter(action="appeal.answered").exists()


# --- withdrawing --------------------------------------------------------------------------------------------------


def test_withdrawing_asks_first_and_changes_nothing_until_confirmed(alice_appeal) -> None:
    client = signed_in(alice_appeal.suspension)
    events_before = AuditEvent.objects.count()
    question = client.get(status_url(alice_appeal, "withdraw/"))
    assert question.status_code == 200
    assert f"Withdraw appeal {alice_appeal.reference}?" in text_of(question)
    assert "Yes, withdraw my appeal" in text_of(question) and '<form method="post">' in text_of(question)
    assert Appeal.objects.get(pk=alice_appeal.pk).status == AppealStatus.SUBMITTED
    assert AuditEvent.objects.count() == events_before
    assert not Notification.objects.filter(template="appeal_withdrawn").exists()


def test_confirming_withdraws_the_appeal_and_tells_the_appellant(alice_appeal) -> None:
    client = signed_in(alice_appeal.suspension)
    response = client.post(status_url(alice_appeal, "withdraw/"), REMOTE_ADDR=CLIENT_IP)
    assert (response.status_code, response["Location"]) == (302, status_url(alice_appeal))
    appeal = Appeal.objects.get(pk=alice_appeal.pk)
    assert appeal.status == AppealStatus.WITHDRAWN and appeal.withdrawn_at is not None
    event = AuditEvent.objects.get(action="appeal.withdrawn")
    assert (event.actor_kind, event.ip) == ("appellant", CLIENT_IP)
    assert Notification.objects.get(template="appeal_withdrawn").recipient_email == "alice@example.org"
    page = text_of(client.get(status_url(alice_appeal)))
    assert "Your appeal was withdrawn." in page and "You withdrew the appeal." in page
    assert status_url(alice_appeal, "withdraw/") not in page and status_url(alice_appeal, "reply/") not in page


def test_withdrawing_twice_is_refused_with_a_message(alice_appeal) -> None:
    client = signed_in(alice_appeal.suspension)
    client.post(status_url(alice_appeal, "withdraw/"))
    response = client.post(status_url(alice_appeal, "withdraw/"), follow=True)
    assert "Only an open appeal can be withdrawn." in text_of(response)
    assert AuditEvent.objects.filter(action="appeal.withdrawn").count() == 1
    assert "This appeal is already closed." in text_of(client.get(status_url(alice_appeal, "withdraw/")))


# --- the decision -------------------------------------------------------------------------------------------------

REASONS = "We looked again: the three posts repeated the slogan without comment or context."


def test_before_a_decision_the_decision_page_leads_back_to_the_status(alice_appeal) -> None:
    response = signed_in(alice_appeal.suspension).get(status_url(alice_appeal, "decision/"))
    assert (response.status_code, response["Location"]) == (302, status_url(alice_appeal))


def test_the_decision_page_shows_the_outcome_the_reasons_and_where_to_turn_next(alice_appeal, rita, settings) -> None:
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons=REASONS)
    client = signed_in(alice_appeal.suspension)
    status = client.get(status_url(alice_appeal))
    assert f'href="{status_url(alice_appeal, "decision/")}"' in text_of(status)
    assert "The appeal was decided." in text_of(status)
    page = client.get(status_url(alice_appeal, "decision/"))
    assert page.status_code == 200
    assert "Upheld: the restriction stays" in text_of(page)
    assert shows(page, REASONS)
    assert "out-of-court dispute settlement body" in text_of(page)
    assert f'href="{settings.OUT_OF_COURT_DISPUTE_URL}"' in text_of(page)


def test_an_overturn_tells_the_appellant_the_account_comes_back(alice_appeal, rita) -> None:
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Counter-speech, not support.")
    page = signed_in(alice_appeal.suspension).get(status_url(alice_appeal, "decision/"))
    assert "Overturned: the account is restored" in text_of(page)
    assert "restore your account" in text_of(page)


def test_a_proposal_waiting_for_a_second_reviewer_is_not_shown_as_a_decision(db, rita) -> None:
    appeal = make_appeal(make_suspension("sensitive", category=Category.RISK_FOR_PUBLIC_SECURITY))
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism, proposed.")
    client = signed_in(appeal.suspension)
    assert client.get(status_url(appeal, "decision/"))["Location"] == status_url(appeal)
    status = client.get(status_url(appeal))
    assert "Journalism, proposed." not in text_of(status)
    assert status_url(appeal, "decision/") not in text_of(status)


# --- evidence downloads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [("shot.png", PNG, "image/png"), ("letter.pdf", PDF, "application/pdf"), ("notes.txt", TEXT, "text/plain")],
)
def test_evidence_downloads_as_an_attachment_of_its_sniffed_type_in_a_sandbox(
    alice_suspension, name: str, content: bytes, content_type: str
) -> None:
    appeal = make_appeal(alice_suspension, evidence=[upload(name, content)])
    item = appeal.evidence.get()
    response = signed_in(alice_suspension).get(status_url(appeal, f"evidence/{item.pk}/"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["Content-Type"].split(";")[0] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy
    assert b"".join(response.streaming_content) == content  # type: ignore[attr-defined]
    response.close()


def test_a_download_keeps_an_awkward_name_inside_the_header(alice_suspension) -> None:
    name = 'Beweis "für" mich;\r\nX-Evil: 1.txt'
    appeal = make_appeal(alice_suspension, evidence=[upload(name, TEXT)])
    response = signed_in(alice_suspension).get(status_url(appeal, f"evidence/{appeal.evidence.get().pk}/"))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename")
    assert "X-Evil" not in response.headers
    response.close()


def test_a_download_never_trusts_the_browsers_claim_for_its_type(alice_suspension) -> None:
    claimed_html = SimpleUploadedFile("notes.txt", TEXT, content_type="text/html")
    appeal = make_appeal(alice_suspension, evidence=[claimed_html])
    response = signed_in(alice_suspension).get(status_url(appeal, f"evidence/{appeal.evidence.get().pk}/"))
    assert response["Content-Type"].split(";")[0] == "text/plain"
    response.close()


def test_a_file_whose_name_and_bytes_disagree_is_refused(alice_suspension) -> None:
    with pytest.raises(RuleViolation, match="looks-like-a.png"):
        make_appeal(alice_suspension, evidence=[upload("looks-like-a.png", TEXT)])
    assert not Appeal.objects.exists()


# --- isolation ----------------------------------------------------------------------------------------------------


@pytest.fixture
def bob_appeal(db, rita: User) -> Appeal:
    """Bob's case: decided, with evidence, messages and notifications of its own."""
    suspension = make_suspension(
        "bob_the_builder",
        decision_facts="Bob's post of 3 March linked to a banned channel.",
        account_email="bob@b.example",
    )
    appeal = make_appeal(
        suspension,
        statement="Bob's own statement.",
        evidence=[upload("bob-secret.png", PNG)],
        contact_email="bob@b.example",
    )
    appeal_message_post(appeal=appeal, by=rita, body="A message only for Bob.", internal=False)
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="Reasons only Bob may read.")
    return appeal


def test_one_appellant_never_reaches_anothers_appeal(alice_appeal, bob_appeal) -> None:
    client = signed_in(alice_appeal.suspension)
    bob_evidence = bob_appeal.evidence.get().pk
    for url in [
        status_url(bob_appeal),
        status_url(bob_appeal, "filed/"),
        status_url(bob_appeal, "decision/"),
        status_url(bob_appeal, "withdraw/"),
        status_url(bob_appeal, f"evidence/{bob_evidence}/"),
        status_url(alice_appeal, f"evidence/{bob_evidence}/"),  # Bob's file under Alice's own reference
    ]:
        assert client.get(url).status_code == 404, url
    assert client.post(status_url(bob_appeal, "withdraw/")).status_code == 404
    assert client.post(status_url(bob_appeal, "reply/"), {"body": "Hi Bob"}).status_code == 404
    assert Appeal.objects.get(pk=bob_appeal.pk).status == AppealStatus.DECIDED
    assert not AuditEvent.objects.filter(action__in=["appeal.answered", "appeal.withdrawn"]).exists()


def test_one_appellants_case_and_inbox_hold_nothing_of_anothers(alice_appeal, bob_appeal) -> None:
    client = signed_in(alice_appeal.suspension)
    assert Notification.objects.filter(recipient_email="bob@b.example").count() >= 3
    for url in ["/appeal/case/", "/appeal/inbox/", status_url(alice_appeal)]:
        page = text_of(client.get(url))
        for secret in [bob_appeal.reference, "bob_the_builder", "bob@b.example", "Bob", "bob-secret.png"]:
            assert secret not in page, (url, secret)


def test_a_session_from_a_new_address_never_sees_the_statement_of_reasons(alice_suspension, rita) -> None:
    client = Client()
    sign_in_from_new_address(client, "alice", "alice.new@example.net")
    client.post("/appeal/case/appeal/", {"reason": "not_me", "statement": "Not me.", "language": "en"})
    appeal = Appeal.objects.get()
    assert appeal.suspension == alice_suspension
    appeal_claim(appeal=appeal, by=rita)
    appeal_request_info(appeal=appeal, by=rita, body="Can you show the account is yours?", reply_by=in_a_week())
    facts = str(alice_suspension.decision_facts)
    for url in ["/appeal/case/", "/appeal/case/appeal/", status_url(appeal), "/appeal/inbox/"]:
        page = client.get(url)
        assert page.status_code == 200, url
        assert not shows(page, facts) and facts not in text_of(page), url
        assert not shows(page, alice_suspension.incompatible_content_explanation), url
    assert "Read the platform" not in text_of(client.get(status_url(appeal)))


def test_a_session_from_a_new_address_is_not_told_a_reviewer_picked_the_appeal_up(alice_suspension, rita) -> None:
    client = Client()
    sign_in_from_new_address(client, "alice", "alice.new@example.net")
    client.post("/appeal/case/appeal/", {"reason": "not_me", "statement": "Not me.", "language": "en"})
    appeal_claim(appeal=Appeal.objects.get(), by=rita)
    page = text_of(client.get(status_url(Appeal.objects.get())))
    assert "A reviewer started work on it." not in page
    assert '<strong class="status status-submitted">Received</strong>' in page


def test_the_statement_of_reasons_is_shown_once_a_reviewer_confirms_the_identity(alice_suspension, rita) -> None:
    client = Client()
    sign_in_from_new_address(client, "alice", "alice.new@example.net")
    client.post("/appeal/case/appeal/", {"reason": "not_me", "statement": "Not me.", "language": "en"})
    appeal = Appeal.objects.get()
    assert not shows(client.get(status_url(appeal)), alice_suspension.decision_facts)
    appeal_verify_identity(appeal=appeal, by=rita, note="Confirmed on a video call.")
    assert shows(client.get(status_url(appeal)), alice_suspension.decision_facts)


# --- the inbox ----------------------------------------------------------------------------------------------------


def test_the_inbox_shows_what_was_sent_to_the_appellant_about_the_case(alice_appeal, rita) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_request_info(appeal=alice_appeal, by=rita, body=REVIEWER_MESSAGE, reply_by=in_a_week())
    page = signed_in(alice_appeal.suspension).get("/appeal/inbox/")
    assert page.status_code == 200
    subjects = re.findall(r"<h2>([^<]*)</h2>", text_of(page))
    assert subjects == [
        f"Recourse: a question about your appeal {alice_appeal.reference}",
        f"Recourse: we received your appeal {alice_appeal.reference}",
    ]
    assert "/appeal/sign-in/" not in text_of(page)  # no sign-in link is ever repeated on a page


def test_the_inbox_never_shows_mail_sent_to_staff(alice_appeal, rita, sam) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_answer(appeal=alice_appeal, body="Here is more context.")  # tells rita: appellant_replied
    sensitive = make_appeal(make_suspension("sensitive", category=Category.RISK_FOR_PUBLIC_SECURITY))
    appeal_decide(appeal=sensitive, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")  # approval_waiting
    assert Notification.objects.filter(recipient_user__isnull=False).count() >= 2
    for appeal in [alice_appeal, sensitive]:
        page = text_of(signed_in(appeal.suspension).get("/appeal/inbox/"))
        assert "the appellant replied" not in page
        assert "waits for your approval" not in page
        assert "/admin/" not in page
        assert "@recourse.test" not in page
        shown = len(re.findall(r'<article class="inbox-item">', page))
        to_appellant = Notification.objects.filter(
            related_type=ContentType.objects.get_for_model(Appeal),
            related_id=appeal.pk,
            recipient_email=appeal.contact_email,
        )
        assert shown == to_appellant.count()


# --- query counts -------------------------------------------------------------------------------------------------


def _busy_appeal(rita: User, messages: int) -> Appeal:
    """An appeal with `messages` reviewer messages (a third of them internal notes), some answers, and files."""
    appeal = make_appeal(make_suspension(), evidence=[upload("shot.png", PNG), upload("notes.txt", TEXT)])
    for n in range(messages):
        appeal_message_post(appeal=appeal, by=rita, body=f"Reviewer message {n}", internal=n % 3 == 0)
        if n % 10 == 0:
            appeal_answer(appeal=appeal, body=f"Answer {n}", attachments=[upload(f"more{n}.pdf", PDF)])
    return appeal


@pytest.mark.parametrize(("url", "most"), [("/appeal/case/", 6), ("status", 8), ("/appeal/inbox/", 4)])
def test_case_pages_take_a_fixed_number_of_queries_however_many_messages(
    db, rita, url: str, most: int, django_assert_max_num_queries
) -> None:
    counts = []
    for messages in [3, 30]:
        appeal = _busy_appeal(rita, messages)
        client = signed_in(appeal.suspension)
        with django_assert_max_num_queries(most) as captured:
            response = client.get(status_url(appeal) if url == "status" else url)
        assert response.status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
