"""Filing an appeal over HTTP: from the address on file, with evidence, and from a new address."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from appeals.models import Appeal, AppealStatus, Evidence, Suspension
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import (
    CLIENT_IP,
    JPEG,
    PDF,
    PNG,
    STATEMENT,
    TEXT,
    assert_field_error,
    comparable,
    error_list,
    field_tag,
    filing,
    link_token,
    shows,
    sign_in,
    sign_in_from_new_address,
    signed_in,
    text_of,
    upload,
)
from tests.factories import make_suspension

pytestmark = pytest.mark.django_db

TEN_MB = 10 * 1024 * 1024


def stored_files() -> list[Path]:
    media = Path(settings.MEDIA_ROOT)
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def assert_nothing_filed() -> None:
    assert not Appeal.objects.exists()
    assert not Evidence.objects.exists()
    assert not AuditEvent.objects.filter(action="appeal.filed").exists()
    assert not Notification.objects.filter(template__in=["appeal_received", "appeal_filed_elsewhere"]).exists()
    assert stored_files() == []


# --- from the address on file -------------------------------------------------------------------------------------


def test_filing_from_the_address_on_file_makes_a_verified_appeal_and_shows_its_reference(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    response = client.post("/appeal/case/appeal/", filing(), REMOTE_ADDR=CLIENT_IP)
    appeal = Appeal.objects.get()
    assert (response.status_code, response["Location"]) == (302, f"/appeal/appeals/{appeal.reference}/filed/")
    assert (appeal.suspension, appeal.identity_verified, appeal.status) == (
        alice_suspension,
        True,
        AppealStatus.SUBMITTED,
    )
    assert (appeal.reason, appeal.statement, appeal.contact_email) == ("context_missed", STATEMENT, "alice@example.org")
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert f"<strong>{appeal.reference}</strong>" in text_of(page)
    assert f'href="/appeal/appeals/{appeal.reference}/"' in text_of(page)


def test_filing_queues_a_confirmation_and_audits_the_appellant_with_their_address(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    client.post("/appeal/case/appeal/", filing(), REMOTE_ADDR=CLIENT_IP)
    appeal = Appeal.objects.get()
    (received,) = Notification.objects.filter(template="appeal_received")
    assert (received.recipient_email, received.related_id, received.context["reference"]) == (
        "alice@example.org",
        appeal.pk,
        appeal.reference,
    )
    event = AuditEvent.objects.get(action="appeal.filed")
    assert (event.actor_kind, event.actor_id, event.ip, event.target_id) == (
        "appellant",
        f"case:{alice_suspension.pk}",
        CLIENT_IP,
        str(appeal.pk),
    )
    assert event.data["identity_verified"] is True


def test_the_form_asks_in_the_language_of_the_page_and_the_appeal_keeps_it(db) -> None:
    suspension = make_suspension("bernd")
    client = Client()
    client.cookies["django_language"] = "de"
    sign_in(client, suspension)
    form = text_of(client.get("/appeal/case/appeal/"))
    assert re.search(r'<input type="radio" name="language" value="de"[^>]*checked', form)
    client.post("/appeal/case/appeal/", filing(language="de"))
    assert Appeal.objects.get().language == "de"
    assert Notification.objects.get(template="appeal_received").language == "de"


def test_the_case_page_offers_an_appeal_until_one_is_filed(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    assert 'href="/appeal/case/appeal/"' in text_of(client.get("/appeal/case/"))
    client.post("/appeal/case/appeal/", filing())
    case = text_of(client.get("/appeal/case/"))
    assert 'href="/appeal/case/appeal/"' not in case
    assert f'href="/appeal/appeals/{Appeal.objects.get().reference}/"' in case


def test_filing_twice_is_refused_clearly(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    client.post("/appeal/case/appeal/", filing())
    response = client.post("/appeal/case/appeal/", filing(statement="Once more, with feeling."))
    assert response.status_code == 200
    assert "There is already an open appeal against this decision." in text_of(response)
    assert "Once more, with feeling." in text_of(response)
    assert Appeal.objects.count() == 1


def test_filing_after_the_window_is_refused_and_files_nothing(alice_suspension) -> None:
    Suspension.objects.filter(pk=alice_suspension.pk).update(informed_at=timezone.now() - timedelta(days=200))
    client = signed_in(alice_suspension)
    case = text_of(client.get("/appeal/case/"))
    assert "The time to appeal this decision has run out." in case
    assert 'href="/appeal/case/appeal/"' not in case
    response = client.post("/appeal/case/appeal/", filing())
    assert response.status_code == 200
    assert "The time to appeal this decision has run out." in text_of(response)
    assert STATEMENT in text_of(response)
    assert_nothing_filed()


# --- the form keeps what was typed and ties errors to fields ------------------------------------------------------


def test_a_statement_over_5000_characters_is_refused_on_the_field_and_kept(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    too_long = "word " * 1000 + "!"
    response = client.post("/appeal/case/appeal/", filing(statement=too_long))
    html = text_of(response)
    assert response.status_code == 200
    assert_field_error(html, "id_statement", "Ensure this value has at most 5000 characters (it has 5001).")
    assert too_long in html
    assert re.search(r'<input type="radio" name="reason" value="context_missed"[^>]*checked', html)
    assert_nothing_filed()


def test_a_missing_reason_is_refused_on_the_field_and_the_statement_is_kept(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    data = filing()
    del data["reason"]
    response = client.post("/appeal/case/appeal/", data)
    html = text_of(response)
    assert response.status_code == 200
    assert "This field is required." in error_list(html, "id_reason")
    assert '<fieldset aria-describedby="id_reason_error">' in html
    assert re.search(r'<input type="radio" name="reason" value="not_violating"[^>]*aria-invalid="true"', html)
    assert STATEMENT in html
    assert_nothing_filed()


@pytest.mark.parametrize("statement", ["   \n\t ", "I was\x00 framed."], ids=["blank", "NUL byte"])
def test_a_blank_or_corrupt_statement_is_refused_on_the_field(alice_suspension, statement: str) -> None:
    response = signed_in(alice_suspension).post("/appeal/case/appeal/", filing(statement=statement))
    assert response.status_code == 200
    assert error_list(text_of(response), "id_statement")
    assert 'aria-invalid="true"' in field_tag(text_of(response), "id_statement")
    assert_nothing_filed()


# --- evidence -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("screenshot.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("letter.pdf", PDF, "application/pdf"),
        ("context.txt", TEXT, "text/plain"),
    ],
)
def test_real_evidence_is_stored_with_the_type_its_bytes_show(
    alice_suspension, name: str, content: bytes, content_type: str
) -> None:
    client = signed_in(alice_suspension)
    response = client.post("/appeal/case/appeal/", filing(evidence=[upload(name, content)]))
    assert response.status_code == 302
    item = Evidence.objects.get()
    assert (item.original_name, item.content_type, item.size, item.message) == (name, content_type, len(content), None)
    with item.file.open("rb") as stored:
        assert stored.read() == content
    assert not str(item.file.name).endswith(name)  # stored under a neutral name, never the one uploaded
    assert AuditEvent.objects.get(action="appeal.filed").data["files"] == 1
    assert shows(client.get(f"/appeal/appeals/{item.appeal.reference}/"), name)


def test_up_to_five_files_are_stored_together(alice_suspension) -> None:
    files = [upload("a.png", PNG), upload("b.jpg", JPEG), upload("c.pdf", PDF), upload("d.txt", TEXT)]
    files.append(upload("e.png", PNG + b"different"))
    response = signed_in(alice_suspension).post("/appeal/case/appeal/", filing(evidence=files))
    assert response.status_code == 302
    assert sorted(Evidence.objects.values_list("original_name", flat=True)) == [
        "a.png",
        "b.jpg",
        "c.pdf",
        "d.txt",
        "e.png",
    ]


def _disguised_exe() -> list[SimpleUploadedFile]:
    return [upload("fine.png", PNG), upload("holiday.png", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00")]


def _html_named_pdf() -> list[SimpleUploadedFile]:
    page = b"<!DOCTYPE html><html><body><script>fetch('/appeal/inbox/')</script></body></html>\n"
    return [upload("statement.pdf", page)]


def _oversized() -> list[SimpleUploadedFile]:
    return [upload("huge.png", PNG + b"\x00" * TEN_MB)]


def _six_files() -> list[SimpleUploadedFile]:
    return [upload(f"shot{n}.png", PNG) for n in range(6)]


@pytest.mark.parametrize(
    ("make_files", "message"),
    [
        (_disguised_exe, "holiday.png is not a PNG, JPEG, PDF or plain-text file."),
        (_html_named_pdf, "statement.pdf is not a PNG, JPEG, PDF or plain-text file."),
        (_oversized, "huge.png is larger than 10 MB."),
        (_six_files, "You can attach at most 5 files."),
    ],
    ids=["exe named png", "html named pdf", "over 10 MB", "six files"],
)
def test_a_bad_file_refuses_the_appeal_naming_the_file_and_keeps_the_statement(
    alice_suspension, make_files, message: str
) -> None:
    client = signed_in(alice_suspension)
    response = client.post("/appeal/case/appeal/", filing(evidence=make_files()))
    html = text_of(response)
    assert response.status_code == 200
    assert message in error_list(html, "id_evidence")
    assert 'aria-invalid="true"' in field_tag(html, "id_evidence")
    assert STATEMENT in html
    assert_nothing_filed()


# --- from a new address -------------------------------------------------------------------------------------------

NEW_ADDRESS = "me@new-mailbox.example"


def _appeal_from_new_address(handle: str) -> tuple[dict[str, str], Appeal]:
    """Walk the lost-address path over HTTP and return every page the person saw, made comparable."""
    client = Client()
    response = client.post("/appeal/lost-address/", {"handle": handle, "email": NEW_ADDRESS}, REMOTE_ADDR=CLIENT_IP)
    assert response["Location"] == "/appeal/lost-address/sent/"
    pages = {"sent": client.get(response["Location"])}
    token = link_token("verify_contact", NEW_ADDRESS)
    link = f"/appeal/sign-in/{token}/"
    pages["sign in"] = client.get(link)
    response = client.post(link, REMOTE_ADDR=CLIENT_IP)
    assert response["Location"] == "/appeal/case/"
    pages["case"] = client.get("/appeal/case/")
    pages["form"] = client.get("/appeal/case/appeal/")
    response = client.post("/appeal/case/appeal/", filing(evidence=[upload("proof.png", PNG)]), REMOTE_ADDR=CLIENT_IP)
    assert response.status_code == 302, text_of(response)
    appeal = Appeal.objects.get(handle=handle)
    assert response["Location"] == f"/appeal/appeals/{appeal.reference}/filed/"
    pages["filed"] = client.get(response["Location"])
    pages["status"] = client.get(f"/appeal/appeals/{appeal.reference}/")
    pages["case after filing"] = client.get("/appeal/case/")
    pages["inbox"] = client.get("/appeal/inbox/")
    for name, page in pages.items():
        assert page.status_code == 200, name
    return {name: comparable(text_of(page), appeal.reference, handle, token) for name, page in pages.items()}, appeal


def test_the_lost_address_path_files_an_unverified_appeal_without_showing_the_decision(alice_suspension) -> None:
    pages, appeal = _appeal_from_new_address("alice")
    assert (appeal.suspension, appeal.identity_verified, appeal.contact_email) == (
        alice_suspension,
        False,
        NEW_ADDRESS,
    )
    for name, page in pages.items():
        for private in [
            alice_suspension.decision_facts,
            alice_suspension.incompatible_content_ground,
            alice_suspension.incompatible_content_explanation,
            "alice@example.org",
            "a•••@example.org",
        ]:
            assert str(private) not in page and str(private).replace("'", "&#x27;") not in page, (name, private)
    assert "Read the platform" not in pages["status"]
    event = AuditEvent.objects.get(action="appeal.filed")
    assert (event.actor_kind, event.ip, event.data["identity_verified"]) == ("appellant", CLIENT_IP, False)


def test_the_account_holder_hears_at_the_address_on_file_when_someone_appeals_from_elsewhere(alice_suspension) -> None:
    _appeal_from_new_address("alice")
    _appeal_from_new_address("nobody_suspended")
    (told,) = Notification.objects.filter(template="appeal_filed_elsewhere")
    assert told.recipient_email == "alice@example.org"
    assert NEW_ADDRESS not in str(told.context)  # masked
    received = Notification.objects.filter(template="appeal_received").values_list("recipient_email", flat=True)
    assert list(received) == [NEW_ADDRESS, NEW_ADDRESS]


def test_the_lost_address_path_looks_the_same_whether_or_not_the_handle_has_a_case(alice_suspension) -> None:
    with_case, matched = _appeal_from_new_address("alice")
    without_case, unmatched = _appeal_from_new_address("nobody_suspended")
    assert matched.suspension == alice_suspension and unmatched.suspension is None
    for name in with_case:
        assert with_case[name] == without_case[name], name


def test_an_unverified_session_sees_only_the_appeals_it_filed(alice_appeal) -> None:
    client = Client()
    sign_in_from_new_address(client, "alice", NEW_ADDRESS)
    case = text_of(client.get("/appeal/case/"))
    assert alice_appeal.reference not in case
    assert client.get(f"/appeal/appeals/{alice_appeal.reference}/").status_code == 404
    assert shows(client.get("/appeal/case/"), "Appeal about @alice")
