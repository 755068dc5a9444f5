"""The misuse pages through HTTP: the reviewer's "manifestly unfounded" mark, the senior's Misuse page and its forms,
and what the person sees on their own pages while warned or blocked."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from appeals.misuse import misuse_block_impose, misuse_warning_issue
from appeals.models import Appeal, AppealStatus, Decision, MisuseKind, MisuseMeasure, Outcome
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import sign_in, sign_in_from_new_address
from tests.appeals.test_misuse import BLOCK, HANDLE, WARNING, unfounded
from tests.factories import make_appeal, make_suspension
from tests.review.test_dashboard import case_url, decide, shows, signed_in, text_of

pytestmark = pytest.mark.django_db

PERSON = f"/review/misuse/{HANDLE}/"


def warned(sam: User, rita: User) -> MisuseMeasure:
    unfounded(3, rita)
    return misuse_warning_issue(handle_key=HANDLE, by=sam, reasons=WARNING)


def blocked(sam: User, rita: User) -> MisuseMeasure:
    warned(sam, rita)
    unfounded(1, rita)
    return misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=45)


def holder() -> Client:
    """The account holder, signed in through the address on file to a case of theirs that has no appeal yet."""
    client = Client()
    sign_in(client, make_suspension(HANDLE))
    return client


# --- the reviewer's mark ----------------------------------------------------------------------------------------


def test_a_reviewer_marks_a_rejected_appeal_manifestly_unfounded_on_the_decide_form(rita, alice_appeal) -> None:
    response = decide(signed_in(rita), alice_appeal, manifestly_unfounded="on")
    assert response.status_code == 302
    decision = Decision.objects.get(appeal=alice_appeal)
    assert decision.manifestly_unfounded is True


def test_marking_a_reversal_unfounded_is_refused_and_keeps_the_reasons(rita, alice_appeal) -> None:
    response = decide(
        signed_in(rita),
        alice_appeal,
        outcome=Outcome.OVERTURNED,
        reasons="Reporting, not support.",
        manifestly_unfounded="on",
    )
    assert response.status_code == 400
    assert shows(response, "Only an appeal that is rejected can be marked manifestly unfounded.")
    assert "Reporting, not support." in text_of(response)
    assert not Decision.objects.exists()


# --- the senior's pages -----------------------------------------------------------------------------------------


def test_a_reviewer_cannot_open_the_misuse_pages(rita, rex) -> None:
    unfounded(3, rex)
    client = signed_in(rita)
    assert client.get("/review/misuse/").status_code == 403
    assert client.get(PERSON).status_code == 403
    assert client.post(f"{PERSON}warn/", {"reasons": WARNING}).status_code == 403
    assert not MisuseMeasure.objects.exists()


def test_the_misuse_link_is_shown_to_seniors_only(rita, sam) -> None:
    assert 'href="/review/misuse/"' in text_of(signed_in(sam).get("/review/"))
    assert 'href="/review/misuse/"' not in text_of(signed_in(rita).get("/review/"))


def test_the_misuse_page_costs_the_same_queries_for_one_proposal_and_for_many(
    sam, rita, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(sam)
    unfounded(3, rita, handle="first")
    with django_assert_max_num_queries(8):  # session, user, device, permissions (2); proposals, blocks, warnings
        page = client.get("/review/misuse/")
    assert shows(page, "@first")
    for name in ("second", "third", "fourth"):
        unfounded(3, rita, handle=name)
        misuse_warning_issue(handle_key=name, by=sam, reasons=WARNING)
        unfounded(1, rita, handle=name)
    misuse_block_impose(handle_key="fourth", by=sam, reasons=BLOCK, days=30)
    with django_assert_max_num_queries(8):
        page = client.get("/review/misuse/")
    assert all(shows(page, f"@{name}") for name in ("first", "second", "third", "fourth"))


def test_a_proposal_links_to_the_person_with_their_appeals_and_the_warning_form(sam, rita) -> None:
    appeals = unfounded(3, rita)
    assert shows(signed_in(sam).get("/review/misuse/"), PERSON)
    page = signed_in(sam).get(PERSON)
    assert all(appeal.reference in text_of(page) for appeal in appeals)
    assert shows(page, "3 manifestly unfounded appeals of 3 decided")
    assert f'action="{PERSON}warn/"' in text_of(page)
    assert f'action="{PERSON}block/"' not in text_of(page)


def test_a_senior_issues_a_warning_through_the_page(sam, rita) -> None:
    unfounded(3, rita)
    response = signed_in(sam).post(f"{PERSON}warn/", {"reasons": WARNING})
    assert (response.status_code, response["Location"]) == (302, PERSON)
    assert MisuseMeasure.objects.get().kind == MisuseKind.WARNING
    assert AuditEvent.objects.filter(action="misuse.warning_issued").count() == 1
    assert Notification.objects.filter(template="misuse_warning").count() == 1


def test_a_warning_without_reasons_is_refused_on_the_form(sam, rita) -> None:
    unfounded(3, rita)
    response = signed_in(sam).post(f"{PERSON}warn/", {"reasons": "  "})
    assert response.status_code == 400
    assert shows(response, "This field is required.")
    assert not MisuseMeasure.objects.exists()


def test_a_block_out_of_bounds_is_refused_and_keeps_what_was_typed(sam, rita) -> None:
    warned(sam, rita)
    unfounded(1, rita)
    response = signed_in(sam).post(f"{PERSON}block/", {"reasons": BLOCK, "days": "365"})
    assert response.status_code == 400
    assert shows(response, "Ensure this value is less than or equal to 180.")
    assert shows(response, BLOCK) and 'value="365"' in text_of(response)
    assert not MisuseMeasure.objects.filter(kind=MisuseKind.BLOCK).exists()


def test_a_block_without_a_warning_is_refused_with_the_rule_and_keeps_what_was_typed(sam, rita) -> None:
    unfounded(4, rita)
    response = signed_in(sam).post(f"{PERSON}block/", {"reasons": BLOCK, "days": "60"})
    assert response.status_code == 400
    assert shows(response, "A block needs a prior warning within the period. Warn first.")
    assert shows(response, BLOCK)
    assert not MisuseMeasure.objects.exists()


def test_a_senior_blocks_then_lifts_through_the_pages(sam, sue, rita) -> None:
    warned(sam, rita)
    unfounded(1, rita)
    response = signed_in(sam).post(f"{PERSON}block/", {"reasons": BLOCK, "days": "60"})
    assert response.status_code == 302
    block = MisuseMeasure.objects.get(kind=MisuseKind.BLOCK)
    assert block.ends_at is not None and block.ends_at - block.decided_at == timedelta(days=60)
    page = signed_in(sue).get(PERSON)
    assert f'action="{PERSON}blocks/{block.pk}/lift/"' in text_of(page)
    response = signed_in(sue).post(f"{PERSON}blocks/{block.pk}/lift/", {"reasons": "Filed in error."})
    assert response.status_code == 302
    assert MisuseMeasure.objects.get(pk=block.pk).lifted_by == sue


def test_a_senior_dismisses_a_proposal(sam, rita) -> None:
    unfounded(3, rita)
    response = signed_in(sam).post(f"{PERSON}dismiss/", {"reasons": "New user; the form confused them."})
    assert response.status_code == 302
    assert MisuseMeasure.objects.get().kind == MisuseKind.DISMISSAL
    assert not Notification.objects.filter(template__startswith="misuse").exists()
    assert not shows(signed_in(sam).get("/review/misuse/"), PERSON)


def test_an_account_with_nothing_on_record_has_no_page(sam) -> None:
    assert signed_in(sam).get("/review/misuse/nobody/").status_code == 404


# --- the person's side ------------------------------------------------------------------------------------------


def test_a_warned_holder_sees_the_warning_and_its_reasons_and_can_still_appeal(sam, rita) -> None:
    warned(sam, rita)
    client = holder()
    page = client.get("/appeal/case/")
    assert shows(page, "A warning about your appeals") and shows(page, WARNING)
    assert 'href="/appeal/case/appeal/"' in text_of(page)
    assert client.get("/appeal/case/appeal/").status_code == 200


def test_a_blocked_holder_sees_the_reasons_and_end_date_instead_of_the_form(sam, rita) -> None:
    block = blocked(sam, rita)
    assert block.ends_at is not None
    end = timezone.localtime(block.ends_at).strftime("%-d %B %Y")
    client = holder()
    page = client.get("/appeal/case/")
    assert shows(page, "You cannot file new appeals for now") and shows(page, BLOCK) and shows(page, end)
    assert 'href="/appeal/case/appeal/"' not in text_of(page)
    form_page = client.get("/appeal/case/appeal/")
    assert form_page.status_code == 403
    assert shows(form_page, BLOCK) and shows(form_page, end) and 'name="statement"' not in text_of(form_page)
    before = Appeal.objects.count()
    refused = client.post("/appeal/case/appeal/", {"reason": "other", "statement": "Again.", "language": "en"})
    assert refused.status_code == 403
    assert Appeal.objects.count() == before


def test_after_the_block_ends_the_holder_files_again(sam, rita) -> None:
    block = blocked(sam, rita)
    now = timezone.now()  # as if the 45 days had passed
    MisuseMeasure.objects.filter(pk=block.pk).update(decided_at=now - timedelta(days=45), ends_at=now)
    client = holder()
    assert 'name="statement"' in text_of(client.get("/appeal/case/appeal/"))
    response = client.post("/appeal/case/appeal/", {"reason": "other", "statement": "A new case.", "language": "en"})
    assert response.status_code == 302
    assert Appeal.objects.filter(statement="A new case.", status=AppealStatus.SUBMITTED).exists()


def test_the_warning_shows_on_the_holders_appeal_pages(sam, rita) -> None:
    warned(sam, rita)
    suspension = make_suspension(HANDLE)
    appeal = make_appeal(suspension)
    client = Client()
    sign_in(client, suspension)
    assert shows(client.get(f"/appeal/appeals/{appeal.reference}/"), WARNING)


def test_someone_on_the_lost_address_path_learns_nothing_of_a_block(sam, rita) -> None:
    """Anyone can name a handle there: the page must not say the holder is blocked (nor that they are suspended)."""
    blocked(sam, rita)
    client = Client()
    sign_in_from_new_address(client, HANDLE, "stranger@example.net")
    form_page = client.get("/appeal/case/appeal/")
    assert form_page.status_code == 200 and not shows(form_page, BLOCK)
    response = client.post("/appeal/case/appeal/", {"reason": "other", "statement": "Hello.", "language": "en"})
    assert response.status_code == 302
    filed = Appeal.objects.get(contact_email="stranger@example.net")
    assert filed.suspension is None
    assert not shows(client.get(f"/appeal/appeals/{filed.reference}/"), BLOCK)


def test_the_case_page_of_the_reviewer_still_opens_an_appeal_filed_before_the_block(sam, rita) -> None:
    warned(sam, rita)
    pending = make_appeal(make_suspension(HANDLE))
    unfounded(1, rita)
    misuse_block_impose(handle_key=HANDLE, by=sam, reasons=BLOCK, days=30)
    assert signed_in(rita).get(case_url(pending)).status_code == 200


def test_administrators_read_the_measures_in_admin_and_cannot_change_them(ada, sam, rita) -> None:
    block = blocked(sam, rita)
    client = signed_in(ada)
    listing = client.get("/admin/appeals/misusemeasure/")
    assert listing.status_code == 200 and shows(listing, "Block on new appeals")
    page = client.get(f"/admin/appeals/misusemeasure/{block.pk}/change/")
    assert page.status_code == 200 and shows(page, BLOCK)
    assert client.post(f"/admin/appeals/misusemeasure/{block.pk}/change/", {"reasons": "Edited."}).status_code == 403
    assert client.get("/admin/appeals/misusemeasure/add/").status_code == 403
    assert MisuseMeasure.objects.get(pk=block.pk).reasons == BLOCK
