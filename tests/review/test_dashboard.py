"""The review dashboard over HTTP: the queue and its filters, take-next, and every action on a case, each as a
reviewer signed in with password and code would use it."""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import FileResponse, HttpResponse, HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from accounts.models import User
from appeals.choices import Category
from appeals.models import Appeal, AppealStatus, Decision, Message, Outcome, ReasonTemplate, Suspension, Wave
from appeals.services import (
    appeal_answer,
    appeal_claim,
    appeal_decide,
    appeal_file_unverified,
    appeal_withdraw,
)
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import sign_in
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

pytestmark = pytest.mark.django_db

STAFF_IP = "198.51.100.23"
QUEUE = "/review/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
# Measured once on both databases: session, user, groups' permissions, the page of rows, the counts.
QUEUE_QUERIES = 8


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """Nobody types a password here; hashing the personas' with Argon2 would only make the tests slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


# --- helpers ---------------------------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = staff_client(user)
    client.defaults["REMOTE_ADDR"] = STAFF_IP
    return client


def text_of(response: HttpResponseBase) -> str:
    return cast(HttpResponse, response).content.decode()


def shows(response: HttpResponseBase, text: str) -> bool:
    return str(escape(text)) in text_of(response)


def listed(response: HttpResponseBase) -> list[str]:
    """The references of the rows the queue page drew, in order."""
    assert response.status_code == 200
    return re.findall(r'<td><a href="/review/appeals/([^/]+)/">', text_of(response))


def refs(*appeals: Appeal) -> list[str]:
    return [appeal.reference for appeal in appeals]


def case_url(appeal: Appeal, action: str = "") -> str:
    return f"/review/appeals/{appeal.reference}/{action + '/' if action else ''}"


def version(appeal: Appeal) -> int:
    return Appeal.objects.get(pk=appeal.pk).version


def fresh(appeal: Appeal) -> Appeal:
    return Appeal.objects.get(pk=appeal.pk)


def due_in(appeal: Appeal, delta: timedelta) -> Appeal:
    Appeal.objects.filter(pk=appeal.pk).update(due_at=timezone.now() + delta)
    return fresh(appeal)


def sensitive_appeal(**fields: Any) -> Appeal:
    return make_appeal(make_suspension(category=Category.RISK_FOR_PUBLIC_SECURITY, **fields))


@contextmanager
def nothing_changes(appeal: Appeal) -> Iterator[None]:
    """A refused action leaves no trace: no audit event, message, decision or notification, the same version."""
    models = (AuditEvent, Message, Notification, Decision)
    before = [model.objects.count() for model in models]
    was = fresh(appeal)
    yield
    assert [model.objects.count() for model in models] == before
    now = fresh(appeal)
    assert (now.version, now.status, now.assigned_to_id) == (was.version, was.status, was.assigned_to_id)


def new_events(since: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(seq__gt=since))


def last_seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def error_near(html: str, message: str) -> bool:
    """The message is drawn as a form error (Django's error list), not merely somewhere on the page."""
    return any(
        str(escape(message)) in block for block in re.findall(r'<ul class="errorlist[^"]*"[^>]*>.*?</ul>', html, re.S)
    )


# --- the queue -------------------------------------------------------------------------------------------------


def test_the_queue_lists_open_work_most_urgent_first(rita: User, rex: User) -> None:
    later = due_in(make_appeal(), timedelta(days=9))
    sooner = due_in(make_appeal(), timedelta(days=3))
    decided = make_appeal()
    appeal_decide(appeal=decided, by=rex, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    withdrawn = make_appeal()
    appeal_withdraw(appeal=withdrawn)
    assert listed(signed_in(rita).get(QUEUE)) == refs(sooner, later)


def test_the_status_filter_shows_closed_work_when_asked(rita: User, rex: User) -> None:
    make_appeal()
    decided = make_appeal()
    appeal_decide(appeal=decided, by=rex, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    withdrawn = due_in(make_appeal(), timedelta(days=30))
    appeal_withdraw(appeal=withdrawn)
    client = signed_in(rita)
    assert listed(client.get(QUEUE, {"status": "decided"})) == refs(decided)
    assert listed(client.get(QUEUE, {"status": ["decided", "withdrawn"]})) == refs(decided, withdrawn)


def test_the_category_filter(rita: User) -> None:
    make_appeal()
    sensitive = sensitive_appeal()
    assert listed(signed_in(rita).get(QUEUE, {"category": Category.RISK_FOR_PUBLIC_SECURITY})) == refs(sensitive)


def test_the_wave_filter(rita: User) -> None:
    sweep = Wave.objects.create(key="november-sweep", name="November sweep")
    other = Wave.objects.create(key="spam-wave", name="Spam wave")
    in_sweep = make_appeal(make_suspension(wave=sweep))
    make_appeal(make_suspension(wave=other))
    make_appeal()
    assert listed(signed_in(rita).get(QUEUE, {"wave": sweep.pk})) == refs(in_sweep)


def test_the_due_filters(rita: User) -> None:
    overdue = due_in(make_appeal(), -timedelta(hours=1))
    soon = due_in(make_appeal(), timedelta(days=1))
    due_in(make_appeal(), timedelta(days=10))
    client = signed_in(rita)
    assert listed(client.get(QUEUE, {"due": "soon"})) == refs(soon)
    assert listed(client.get(QUEUE, {"due": "overdue"})) == refs(overdue)


def test_the_held_by_filters(rita: User, rex: User) -> None:
    mine, theirs, nobodys = make_appeal(), make_appeal(), make_appeal()
    appeal_claim(appeal=mine, by=rita)
    appeal_claim(appeal=theirs, by=rex)
    client = signed_in(rita)
    assert listed(client.get(QUEUE, {"assigned": "mine"})) == refs(mine)
    assert listed(client.get(QUEUE, {"assigned": "unassigned"})) == refs(nobodys)


def test_searching_by_handle_or_reference(rita: User) -> None:
    alice = make_appeal(make_suspension("Alice_Researcher"))
    bob = make_appeal(make_suspension("bob"))
    client = signed_in(rita)
    assert listed(client.get(QUEUE, {"q": "@alice_researcher"})) == refs(alice)
    assert listed(client.get(QUEUE, {"q": f" {bob.reference.lower()} "})) == refs(bob)
    assert listed(client.get(QUEUE, {"q": "ali"})) == []  # whole handles only: no fishing by prefix


def test_ordering_by_due_date_and_by_age(rita: User) -> None:
    first_filed = due_in(make_appeal(), timedelta(days=5))
    second_filed = due_in(make_appeal(), timedelta(days=1))
    third_filed = due_in(make_appeal(), timedelta(days=3))
    client = signed_in(rita)
    assert listed(client.get(QUEUE, {"ordering": "due"})) == refs(second_filed, third_filed, first_filed)
    assert listed(client.get(QUEUE, {"ordering": "-due"})) == refs(first_filed, third_filed, second_filed)
    assert listed(client.get(QUEUE, {"ordering": "age"})) == refs(first_filed, second_filed, third_filed)
    assert listed(client.get(QUEUE, {"ordering": "-age"})) == refs(third_filed, second_filed, first_filed)


def test_filters_combine(rita: User, rex: User) -> None:
    sensitive_mine = sensitive_appeal()
    appeal_claim(appeal=sensitive_mine, by=rita)
    sensitive_appeal()
    mine = make_appeal()
    appeal_claim(appeal=mine, by=rita)
    query = {"category": Category.RISK_FOR_PUBLIC_SECURITY, "assigned": "mine"}
    assert listed(signed_in(rita).get(QUEUE, query)) == refs(sensitive_mine)


def unmatched_appeal(handle: str = "ghost") -> Appeal:
    appeal = appeal_file_unverified(
        handle=handle, reason="not_me", statement="Not my account.", contact_email="ghost@example.net", language="en"
    )
    assert appeal.suspension_id is None
    return appeal


def test_unmatched_appeals_never_appear_in_the_queue(rita: User) -> None:
    matched = make_appeal()
    ghost = unmatched_appeal()
    client = signed_in(rita)
    assert listed(client.get(QUEUE)) == refs(matched)
    assert listed(client.get(QUEUE, {"q": ghost.reference})) == []
    assert listed(client.get(QUEUE, {"q": "ghost"})) == []
    assert listed(client.get(QUEUE, {"status": AppealStatus.SUBMITTED})) == refs(matched)
    assert re.search(r"Open <strong>1</strong>", text_of(client.get(QUEUE)))


def test_an_unmatched_appeal_has_no_case_page(rita: User) -> None:
    """The case page is for matched appeals only; asked for by its reference, an unmatched one is not found."""
    ghost = unmatched_appeal()
    assert signed_in(rita).get(case_url(ghost)).status_code == 404


def test_take_next_never_hands_out_an_unmatched_appeal(rita: User) -> None:
    ghost = unmatched_appeal()
    response = signed_in(rita).post("/review/next/")
    assert response["Location"] == QUEUE
    assert fresh(ghost).assigned_to_id is None


def varied_appeals(count: int, holders: list[User]) -> None:
    """Appeals with everything a row can show: waves, holders, unverified senders, people never informed."""
    wave = Wave.objects.create(key=f"wave-{count}-{Wave.objects.count()}", name="A wave")
    for number in range(count):
        suspension = make_suspension(informed=number % 4 != 0, wave=wave if number % 2 else None)
        appeal = make_appeal(suspension, identity_verified=number % 5 != 0)
        if number % 3 == 0:
            appeal_claim(appeal=appeal, by=holders[number % len(holders)])


def queue_queries(client: Client, query: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE, query)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", [{}, {"ordering": "-due", "assigned": "unassigned"}, {"status": "in_review"}])
def test_the_queue_costs_the_same_queries_for_10_and_100_appeals(
    rita: User, rex: User, query: dict[str, str], django_assert_max_num_queries: Any
) -> None:
    client = signed_in(rita)
    varied_appeals(10, [rita, rex])
    client.get(QUEUE)  # anything cached per process (content types) is cached now
    with django_assert_max_num_queries(QUEUE_QUERIES):
        small = queue_queries(client, query)
    varied_appeals(90, [rita, rex])
    with django_assert_max_num_queries(QUEUE_QUERIES):
        large = queue_queries(client, query)
    assert small == large


def test_the_queue_pages_through_fifty_at_a_time(rita: User) -> None:
    for _number in range(51):
        make_appeal()
    client = signed_in(rita)
    first, second = client.get(QUEUE), client.get(QUEUE, {"page": "2"})
    assert len(listed(first)) == 50 and len(listed(second)) == 1
    assert not set(listed(first)) & set(listed(second))
    assert 'page=2">Next' in text_of(first) and "Next" not in text_of(second)


def test_the_approvals_list_costs_the_same_queries_for_2_and_12_proposals(
    rita: User, sam: User, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(sam)

    def propose(count: int) -> None:
        for _number in range(count):
            appeal_decide(appeal=sensitive_appeal(), by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/review/approvals/")
        assert response.status_code == 200
        return len(queries)

    client.get("/review/approvals/")
    propose(2)
    small = page_queries()
    propose(10)
    with django_assert_max_num_queries(small):
        assert page_queries() == small


# --- take next -------------------------------------------------------------------------------------------------


def test_take_next_claims_the_most_urgent_unheld_appeal_and_opens_it(rita: User, rex: User) -> None:
    later = due_in(make_appeal(), timedelta(days=9))
    sooner = due_in(make_appeal(), timedelta(days=2))
    held = make_appeal()
    appeal_claim(appeal=held, by=rex)
    due_in(held, timedelta(hours=1))
    own = due_in(make_appeal(make_suspension(original_decider=rita)), timedelta(hours=2))
    client = signed_in(rita)
    assert client.post("/review/next/")["Location"] == case_url(sooner)
    assert (fresh(sooner).assigned_to, fresh(sooner).status) == (rita, AppealStatus.IN_REVIEW)
    assert client.post("/review/next/")["Location"] == case_url(later)
    assert client.post("/review/next/")["Location"] == QUEUE
    assert fresh(held).assigned_to == rex and fresh(own).assigned_to_id is None


def test_take_next_with_nothing_waiting_says_so(rita: User) -> None:
    response = signed_in(rita).post("/review/next/", follow=True)
    assert response.redirect_chain == [(QUEUE, 302)]
    assert shows(response, "Nothing is waiting")


# --- asking, writing, noting -----------------------------------------------------------------------------------


def held_by(appeal: Appeal, user: User) -> Appeal:
    appeal_claim(appeal=appeal, by=user)
    return fresh(appeal)


def test_asking_the_appellant_pauses_the_clock(rita: User, alice_appeal: Appeal) -> None:
    appeal = held_by(alice_appeal, rita)
    reply_by = timezone.localdate() + timedelta(days=7)
    client = signed_in(rita)
    response = client.post(
        case_url(appeal, "request-info"),
        {
            "body": "Which of the three posts was the satire?",
            "reply_by": reply_by.isoformat(),
            "version": appeal.version,
        },
    )
    assert response["Location"] == case_url(appeal)
    appeal = fresh(appeal)
    assert appeal.status == AppealStatus.INFO_REQUESTED and appeal.sla_paused_at is not None
    question = Message.objects.get(appeal=appeal)
    assert question.reply_by is not None and timezone.localdate(question.reply_by) == reply_by
    assert not question.internal
    page = client.get(case_url(appeal))
    assert shows(page, "clock paused") and shows(page, "Which of the three posts was the satire?")


@pytest.mark.parametrize("days", [0, -1])
def test_a_reply_by_date_that_is_not_after_today_is_refused(rita: User, alice_appeal: Appeal, days: int) -> None:
    appeal = held_by(alice_appeal, rita)
    data = {
        "body": "Which post?",
        "reply_by": (timezone.localdate() + timedelta(days=days)).isoformat(),
        "version": appeal.version,
    }
    with nothing_changes(appeal):
        response = signed_in(rita).post(case_url(appeal, "request-info"), data)
    assert response.status_code == 400
    assert error_near(text_of(response), "Choose a date after today.")
    assert shows(response, "Which post?")


def test_asking_without_holding_the_appeal_is_refused_with_the_reason(rita: User, alice_appeal: Appeal) -> None:
    data = {
        "body": "Which post?",
        "reply_by": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "version": alice_appeal.version,
    }
    with nothing_changes(alice_appeal):
        response = signed_in(rita).post(case_url(alice_appeal, "request-info"), data)
    assert response.status_code == 400
    assert shows(response, "Claim this appeal first.")


def test_an_internal_note_never_reaches_the_appellant(rita: User, alice_appeal: Appeal) -> None:
    client = signed_in(rita)
    note = "Ask counsel before deciding: the second post may be a quotation."
    message = "Thank you, we are looking at your appeal now."
    assert client.post(case_url(alice_appeal, "message"), {"body": note, "internal": "on"}).status_code == 302
    assert client.post(case_url(alice_appeal, "message"), {"body": message}).status_code == 302
    assert list(Message.objects.filter(appeal=alice_appeal).values_list("body", "internal")) == [
        (note, True),
        (message, False),
    ]
    staff_page = client.get(case_url(alice_appeal))
    assert shows(staff_page, note) and shows(staff_page, message) and shows(staff_page, "Internal note")
    appellant = Client()
    assert alice_appeal.suspension is not None
    sign_in(appellant, alice_appeal.suspension)
    status_page = appellant.get(f"/appeal/appeals/{alice_appeal.reference}/")
    assert status_page.status_code == 200
    assert shows(status_page, message)
    assert not shows(status_page, note) and "counsel" not in text_of(status_page)
    notified = Notification.objects.filter(template="message_received", recipient_email=alice_appeal.contact_email)
    assert notified.count() == 1


def test_an_empty_message_is_refused_on_the_form(rita: User, alice_appeal: Appeal) -> None:
    with nothing_changes(alice_appeal):
        response = signed_in(rita).post(case_url(alice_appeal, "message"), {"body": "   ", "internal": "on"})
    assert response.status_code == 400 and error_near(text_of(response), "This field is required.")


# --- deciding --------------------------------------------------------------------------------------------------


def decide(client: Client, appeal: Appeal, **data: Any) -> HttpResponseBase:
    form = {"outcome": Outcome.UPHELD, "reasons": "The posts endorsed the group.", "version": version(appeal)}
    return client.post(case_url(appeal, "decide"), {**form, **data})


def test_deciding_records_the_decision_and_tells_the_appellant(rita: User, alice_appeal: Appeal) -> None:
    response = decide(signed_in(rita), alice_appeal, reasons="Quoting the slogan with approval is support.")
    assert response["Location"] == case_url(alice_appeal)
    appeal = fresh(alice_appeal)
    assert appeal.status == AppealStatus.DECIDED
    decision = appeal.final_decision()
    assert decision is not None and (decision.outcome, decision.decided_by) == (Outcome.UPHELD, rita)
    assert Notification.objects.filter(template="appeal_decided", recipient_email=appeal.contact_email).exists()


def test_deciding_without_reasons_is_refused_with_the_error_and_keeps_the_choice(
    rita: User, alice_appeal: Appeal
) -> None:
    with nothing_changes(alice_appeal):
        response = decide(signed_in(rita), alice_appeal, outcome=Outcome.OVERTURNED, reasons="   ")
    assert response.status_code == 400
    html = text_of(response)
    assert error_near(html, "This field is required.")
    assert re.search(r'<input type="radio" name="outcome" value="overturned"[^>]*checked', html)


def test_a_refused_decision_keeps_the_reasons_typed(rita: User, alice_appeal: Appeal) -> None:
    reasons = "Too harsh for a first offence; the posts were <b>quoted</b> to criticise the group."
    with nothing_changes(alice_appeal):
        response = decide(signed_in(rita), alice_appeal, outcome=Outcome.MODIFIED, reasons=reasons)
    assert response.status_code == 400
    assert error_near(text_of(response), "Say how the restriction changes")
    assert shows(response, reasons)


def test_deciding_a_withdrawn_appeal_is_refused_with_a_message(rita: User, alice_appeal: Appeal) -> None:
    appeal_withdraw(appeal=alice_appeal)
    with nothing_changes(alice_appeal):
        response = decide(signed_in(rita), alice_appeal)
    assert response.status_code == 400
    assert shows(response, "This appeal cannot be decided now.")


def test_a_stale_form_is_refused_and_nothing_is_saved(rita: User, alice_appeal: Appeal) -> None:
    client = signed_in(rita)
    page = client.get(case_url(alice_appeal))
    drawn = re.search(r'name="version" value="(\d+)"', text_of(page))
    assert drawn is not None
    appeal_answer(appeal=alice_appeal, body="One more thing: the third post was satire.")  # meanwhile
    reasons = "The posts endorsed the group."
    with nothing_changes(alice_appeal):
        response = decide(client, alice_appeal, reasons=reasons, version=drawn.group(1))
    assert response.status_code == 400
    assert shows(response, "This appeal changed since you opened it.")
    assert shows(response, reasons)


def test_the_original_decider_cannot_decide_the_appeal(rita: User) -> None:
    appeal = make_appeal(make_suspension(original_decider=rita))
    client = signed_in(rita)
    page = client.get(case_url(appeal))
    assert 'action="/review/appeals/' + appeal.reference + '/decide/"' not in text_of(page)
    assert shows(page, "You cannot decide this appeal")
    with nothing_changes(appeal):
        response = decide(client, appeal)
    assert response.status_code == 400
    assert shows(response, "original decision")


def test_an_administrator_without_a_reviewer_role_cannot_decide(ada: User, alice_appeal: Appeal) -> None:
    with nothing_changes(alice_appeal):
        assert decide(signed_in(ada), alice_appeal).status_code == 403


# --- four eyes -------------------------------------------------------------------------------------------------


def propose_overturn(client: Client, appeal: Appeal) -> Decision:
    response = decide(client, appeal, outcome=Outcome.OVERTURNED, reasons="Reporting on the attack, not support.")
    assert response["Location"] == case_url(appeal)
    return Decision.objects.get(appeal=appeal, state=Decision.State.PROPOSED)


def test_a_sensitive_overturn_waits_for_a_senior_who_approves_it(rita: User, sam: User) -> None:
    appeal = sensitive_appeal()
    rita_client = signed_in(rita)
    decision = propose_overturn(rita_client, appeal)
    assert fresh(appeal).status == AppealStatus.AWAITING_APPROVAL
    told = rita_client.get(case_url(appeal))
    assert shows(told, "sensitive category") and shows(told, "waits for")
    assert Suspension.objects.get(appeals=appeal).reinstated_at is None

    with nothing_changes(appeal):
        assert rita_client.post(f"/review/decisions/{decision.pk}/approve/").status_code == 403

    sam_client = signed_in(sam)
    assert appeal.reference in text_of(sam_client.get("/review/approvals/"))
    assert sam_client.post(f"/review/decisions/{decision.pk}/approve/")["Location"] == case_url(appeal)
    assert fresh(appeal).status == AppealStatus.DECIDED
    assert Suspension.objects.get(appeals=appeal).reinstated_at is not None
    decision.refresh_from_db()
    assert (decision.state, decision.approved_by) == (Decision.State.FINAL, sam)


def test_a_senior_cannot_approve_their_own_proposal(sam: User) -> None:
    appeal = sensitive_appeal()
    client = signed_in(sam)
    decision = propose_overturn(client, appeal)
    with nothing_changes(appeal):
        response = client.post(f"/review/decisions/{decision.pk}/approve/", follow=True)
    assert shows(response, "A second reviewer must approve this decision, not its author.")
    assert Decision.objects.get(pk=decision.pk).state == Decision.State.PROPOSED


def test_a_senior_sends_a_proposal_back_to_its_reviewer_with_a_comment(rita: User, sue: User) -> None:
    appeal = sensitive_appeal()
    rita_client = signed_in(rita)
    decision = propose_overturn(rita_client, appeal)
    comment = "The third post praises the attack; look again."
    response = signed_in(sue).post(f"/review/decisions/{decision.pk}/send-back/", {"comment": comment})
    assert response["Location"] == case_url(appeal)
    appeal = fresh(appeal)
    assert (appeal.status, appeal.assigned_to) == (AppealStatus.IN_REVIEW, rita)
    decision.refresh_from_db()
    assert (decision.state, decision.review_comment) == (Decision.State.SENT_BACK, comment)
    assert shows(rita_client.get(case_url(appeal)), comment)
    assert Notification.objects.filter(template="decision_sent_back", recipient_user=rita).exists()


def test_sending_back_without_a_comment_is_refused(rita: User, sue: User) -> None:
    appeal = sensitive_appeal()
    decision = propose_overturn(signed_in(rita), appeal)
    with nothing_changes(appeal):
        response = signed_in(sue).post(f"/review/decisions/{decision.pk}/send-back/", {"comment": ""})
    assert response.status_code == 400 and error_near(text_of(response), "This field is required.")


# --- escalating, verifying identity ----------------------------------------------------------------------------


def test_an_escalated_appeal_goes_to_seniors_only(rita: User, rex: User, sam: User, alice_appeal: Appeal) -> None:
    held_by(alice_appeal, rita)
    response = signed_in(rita).post(case_url(alice_appeal, "escalate"), {"note": "Possible journalism; senior please."})
    assert response["Location"] == case_url(alice_appeal)
    appeal = fresh(alice_appeal)
    assert appeal.escalated and appeal.assigned_to_id is None
    rex_client = signed_in(rex)
    assert rex_client.post("/review/next/")["Location"] == QUEUE
    with nothing_changes(alice_appeal):
        assert decide(rex_client, alice_appeal).status_code == 400
    assert signed_in(sam).post("/review/next/")["Location"] == case_url(alice_appeal)
    assert fresh(alice_appeal).assigned_to == sam


def test_escalating_without_a_note_is_refused(rita: User, alice_appeal: Appeal) -> None:
    appeal = held_by(alice_appeal, rita)
    with nothing_changes(appeal):
        response = signed_in(rita).post(case_url(appeal, "escalate"), {"note": ""})
    assert response.status_code == 400 and error_near(text_of(response), "This field is required.")


def unverified_appeal() -> Appeal:
    suspension = make_suspension("carol")
    appeal = make_appeal(suspension, identity_verified=False, contact_email="carol.new@example.net")
    assert appeal.suspension_id == suspension.pk and not appeal.identity_verified
    return appeal


def test_a_reviewer_marks_an_identity_verified_with_a_note(rita: User) -> None:
    appeal = unverified_appeal()
    client = signed_in(rita)
    assert shows(client.get(case_url(appeal)), "Identity not verified")
    response = client.post(case_url(appeal, "verify-identity"), {"note": "Confirmed on a video call."})
    assert response["Location"] == case_url(appeal)
    assert fresh(appeal).identity_verified
    assert Message.objects.get(appeal=appeal).internal


def test_verifying_without_saying_how_is_refused(rita: User) -> None:
    appeal = unverified_appeal()
    with nothing_changes(appeal):
        response = signed_in(rita).post(case_url(appeal, "verify-identity"), {"note": ""})
    assert response.status_code == 400 and not fresh(appeal).identity_verified


# --- reason templates, evidence --------------------------------------------------------------------------------


def test_a_reason_template_fills_in_the_reasons(rita: User, alice_appeal: Appeal) -> None:
    chosen = ReasonTemplate.objects.create(
        title="Counter-speech", outcome=Outcome.OVERTURNED, body="You quoted the slogan to argue against it."
    )
    retired = ReasonTemplate.objects.create(
        title="Old wording", outcome=Outcome.UPHELD, body="An old text nobody should use.", active=False
    )
    client = signed_in(rita)
    plain = client.get(case_url(alice_appeal))
    assert f'href="?template={chosen.pk}#decide"' in text_of(plain)
    assert f"?template={retired.pk}" not in text_of(plain)
    assert not shows(plain, chosen.body)
    assert re.search(
        r"<textarea[^>]*>\s*You quoted the slogan", text_of(client.get(case_url(alice_appeal), {"template": chosen.pk}))
    )
    assert not shows(client.get(case_url(alice_appeal), {"template": retired.pk}), retired.body)
    assert client.get(case_url(alice_appeal), {"template": "nonsense"}).status_code == 200


@pytest.fixture
def appeal_with_files(db: None) -> Appeal:
    files = [SimpleUploadedFile("screenshot.png", PNG), SimpleUploadedFile("letter.pdf", PDF)]
    return make_appeal(make_suspension("dora"), evidence=files)


def fetch_evidence(client: Client, appeal: Appeal, name: str) -> FileResponse:
    item = appeal.evidence.get(original_name=name)
    return cast(FileResponse, client.get(case_url(appeal, f"evidence/{item.pk}")))


def test_an_image_opens_inline_in_a_sandbox(rita: User, appeal_with_files: Appeal) -> None:
    response = fetch_evidence(signed_in(rita), appeal_with_files, "screenshot.png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(cast(Iterator[bytes], response.streaming_content)) == PNG


def test_a_pdf_downloads_as_an_attachment_in_a_sandbox(rita: User, appeal_with_files: Appeal) -> None:
    response = fetch_evidence(signed_in(rita), appeal_with_files, "letter.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="letter.pdf"'
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_evidence_is_only_found_under_its_own_appeal(
    rita: User, appeal_with_files: Appeal, alice_appeal: Appeal
) -> None:
    item = appeal_with_files.evidence.first()
    assert item is not None
    assert signed_in(rita).get(case_url(alice_appeal, f"evidence/{item.pk}")).status_code == 404


# --- every action leaves exactly one audit event ---------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    action: str  # the audit action it records
    actor: str  # the persona who acts
    prepare: Callable[[dict[str, User]], tuple[Appeal, str, dict[str, Any]]]  # -> appeal, URL, form


def _claim(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = make_appeal()
    return appeal, case_url(appeal, "claim"), {}


def _take_next(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    return make_appeal(), "/review/next/", {}


def _release(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = held_by(make_appeal(), people["rita"])
    return appeal, case_url(appeal, "release"), {}


def _request_info(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = held_by(make_appeal(), people["rita"])
    reply_by = (timezone.localdate() + timedelta(days=7)).isoformat()
    return (
        appeal,
        case_url(appeal, "request-info"),
        {"body": "Which post?", "reply_by": reply_by, "version": appeal.version},
    )


def _message(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = make_appeal()
    return appeal, case_url(appeal, "message"), {"body": "We are looking at it."}


def _note(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = make_appeal()
    return appeal, case_url(appeal, "message"), {"body": "Check with legal.", "internal": "on"}


def _decide(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = make_appeal()
    form = {"outcome": Outcome.UPHELD, "reasons": "The posts endorsed the group.", "version": appeal.version}
    return appeal, case_url(appeal, "decide"), form


def _propose(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = sensitive_appeal()
    form = {"outcome": Outcome.OVERTURNED, "reasons": "Reporting, not support.", "version": appeal.version}
    return appeal, case_url(appeal, "decide"), form


def _escalate(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = held_by(make_appeal(), people["rita"])
    return appeal, case_url(appeal, "escalate"), {"note": "Senior please."}


def _verify_identity(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    appeal = unverified_appeal()
    return appeal, case_url(appeal, "verify-identity"), {"note": "Confirmed on a video call."}


def _proposal(people: dict[str, User]) -> Decision:
    appeal = sensitive_appeal()
    return appeal_decide(appeal=appeal, by=people["rita"], outcome=Outcome.OVERTURNED, reasons="Reporting.")


def _approve(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    decision = _proposal(people)
    return decision.appeal, f"/review/decisions/{decision.pk}/approve/", {}


def _send_back(people: dict[str, User]) -> tuple[Appeal, str, dict[str, Any]]:
    decision = _proposal(people)
    return decision.appeal, f"/review/decisions/{decision.pk}/send-back/", {"comment": "Look again."}


ACTIONS = {
    "claim": Action("appeal.claimed", "rita", _claim),
    "take_next": Action("appeal.claimed", "rita", _take_next),
    "release": Action("appeal.released", "rita", _release),
    "request_info": Action("appeal.info_requested", "rita", _request_info),
    "message": Action("appeal.message_sent", "rita", _message),
    "note": Action("appeal.note_added", "rita", _note),
    "decide": Action("appeal.decided", "rita", _decide),
    "propose": Action("appeal.decision_proposed", "rita", _propose),
    "escalate": Action("appeal.escalated", "rita", _escalate),
    "verify_identity": Action("appeal.identity_verified", "rita", _verify_identity),
    "approve": Action("appeal.decision_approved", "sam", _approve),
    "send_back": Action("appeal.decision_sent_back", "sam", _send_back),
}


@pytest.mark.parametrize("name", ACTIONS)
def test_every_action_records_exactly_one_staff_event(name: str, rita: User, sam: User) -> None:
    people = {"rita": rita, "sam": sam}
    step = ACTIONS[name]
    appeal, url, form = step.prepare(people)
    actor = people[step.actor]
    since = last_seq()
    response = signed_in(actor).post(url, form)
    assert response.status_code == 302
    [event] = new_events(since)
    assert (event.action, event.actor_kind, event.actor_id, event.ip) == (step.action, "staff", str(actor.pk), STAFF_IP)
    assert (event.target_type, event.target_id) == ("appeals.appeal", str(appeal.pk))
