"""The public appellant pages over HTTP: finding a case, links, rate limits, junk input, headers and language.

The helpers at the top are shared with the other test_appellant_* modules.
"""

import re
from datetime import timedelta
from typing import cast

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse, HttpResponseBase
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from accounts.appellant_access import contact_verification_request, sign_in_link_request, token_for
from accounts.models import AppellantToken
from appeals.models import Appeal, AppealReason, Suspension
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.factories import make_appeal, make_suspension

pytestmark = pytest.mark.django_db

CLIENT_IP = "203.0.113.7"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TEXT = "Die Beiträge waren Gegenrede, keine Unterstützung.\n".encode()
STATEMENT = "I research extremist propaganda and quoted the slogan to debunk it."


# --- helpers shared by the test_appellant_* modules ---------------------------------------------------------------


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def text_of(response: HttpResponseBase) -> str:
    return cast(HttpResponse, response).content.decode()


def shows(response: HttpResponseBase, text: str) -> bool:
    """Whether the page shows `text` to its reader (as the template escapes it)."""
    return str(escape(text)) in text_of(response)


def link_token(template: str, recipient: str) -> str:
    """The token of the newest link of this kind sent to this address, as its email would carry it."""
    notification = Notification.objects.filter(template=template, recipient_email=recipient).first()
    assert notification is not None, f"no {template} was sent to {recipient}"
    return token_for(notification.context["selector"])


def sign_in(client: Client, suspension: Suspension, *, ip: str = CLIENT_IP) -> None:
    """Sign in through the address on file, as the account holder would."""
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip=None)
    response = client.post(f"/appeal/sign-in/{link_token('sign_in_link', suspension.account_email)}/", REMOTE_ADDR=ip)
    assert (response.status_code, response["Location"]) == (302, "/appeal/case/")


def sign_in_from_new_address(client: Client, handle: str, email: str, *, ip: str = CLIENT_IP) -> None:
    """Sign in on the lost-address path: the person proved they own `email`, nothing more."""
    contact_verification_request(handle=handle, email=email, language="en", ip=None)
    response = client.post(f"/appeal/sign-in/{link_token('verify_contact', email)}/", REMOTE_ADDR=ip)
    assert (response.status_code, response["Location"]) == (302, "/appeal/case/")


def signed_in(suspension: Suspension | None) -> Client:
    assert suspension is not None
    client = Client()
    sign_in(client, suspension)
    return client


def filing(**overrides: object) -> dict[str, object]:
    return {"reason": AppealReason.CONTEXT_MISSED, "statement": STATEMENT, "language": "en", **overrides}


def comparable(html: str, *private: str) -> str:
    """A page with what legitimately differs between two visitors taken out: CSRF tokens, times, row ids, and the
    given strings (a reference, a handle, a token)."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', html)
    html = re.sub(r"<time [^>]*>[^<]*</time>", "<time></time>", html)
    html = re.sub(r"/evidence/\d+/", "/evidence/[id]/", html)
    for value in private:
        html = html.replace(value, "[private]")
    return html


def field_tag(html: str, field_id: str) -> str:
    """The opening tag of the input, textarea or fieldset rendered for a form field."""
    match = re.search(rf'<(?:input|textarea)\b[^>]*\bid="{field_id}"[^>]*>', html)
    assert match is not None, f"no input with id {field_id}"
    return match.group(0)


def error_list(html: str, field_id: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html, re.S)
    assert match is not None, f"no error list for {field_id}"
    return match.group(1)


def assert_field_error(html: str, field_id: str, message: str) -> None:
    """The error is shown and tied to its input the way Django 6.1 renders it: aria-invalid, aria-describedby."""
    assert message in error_list(html, field_id)
    tag = field_tag(html, field_id)
    assert 'aria-invalid="true"' in tag
    described_by = re.search(r'aria-describedby="([^"]*)"', tag)
    assert described_by is not None and f"{field_id}_error" in described_by.group(1).split()


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- finding a case never tells whether a handle is suspended -----------------------------------------------------


def _ask(url: str, handle: str, email: str) -> tuple[int, str, int, str]:
    client = Client()
    response = client.post(url, {"handle": handle, "email": email})
    page = client.get(response["Location"])
    return response.status_code, response["Location"], page.status_code, comparable(text_of(page))


def test_find_answers_the_same_for_a_match_a_wrong_address_and_an_unknown_handle(alice_suspension) -> None:
    answers = {
        "match": _ask("/appeal/find/", "alice", "alice@example.org"),
        "wrong address": _ask("/appeal/find/", "alice", "mallory@example.net"),
        "unknown handle": _ask("/appeal/find/", "nobody_suspended", "alice@example.org"),
    }
    assert answers["match"][:3] == (302, "/appeal/find/sent/", 200)
    assert answers["match"] == answers["wrong address"] == answers["unknown handle"]
    sent = Notification.objects.filter(template="sign_in_link")
    assert [(n.recipient_email, n.context["handle"]) for n in sent] == [("alice@example.org", "alice")]


def test_find_sends_the_link_to_the_address_on_file_not_the_address_as_typed(alice_suspension) -> None:
    response = Client().post("/appeal/find/", {"handle": " @Alice ", "email": " ALICE@Example.ORG "})
    assert response["Location"] == "/appeal/find/sent/"
    assert list(Notification.objects.filter(template="sign_in_link").values_list("recipient_email", flat=True)) == [
        "alice@example.org"
    ]


def test_every_find_request_is_audited_without_the_full_address(alice_suspension) -> None:
    Client().post("/appeal/find/", {"handle": "alice", "email": "mallory@example.net"}, REMOTE_ADDR=CLIENT_IP)
    (event,) = events("access.link_requested")
    assert (event.actor_kind, event.actor_label, event.ip, event.data) == (
        "appellant",
        "m•••@example.net",
        CLIENT_IP,
        {"matched": False},
    )


def test_lost_address_answers_the_same_and_always_checks_the_given_address(alice_suspension) -> None:
    answers = {
        "known handle": _ask("/appeal/lost-address/", "alice", "alice.new@example.net"),
        "unknown handle": _ask("/appeal/lost-address/", "nobody_suspended", "someone@example.net"),
        "address on file": _ask("/appeal/lost-address/", "alice", "alice@example.org"),
    }
    assert answers["known handle"][:3] == (302, "/appeal/lost-address/sent/", 200)
    assert answers["known handle"] == answers["unknown handle"] == answers["address on file"]
    sent = Notification.objects.filter(template="verify_contact").order_by("id")
    assert [(n.recipient_email, n.context["handle"]) for n in sent] == [
        ("alice.new@example.net", "alice"),
        ("someone@example.net", "nobody_suspended"),
        ("alice@example.org", "alice"),
    ]
    assert all(n.related_type_id is None for n in sent)  # nothing in the outbox ties the check to a case
    assert not Notification.objects.filter(template="sign_in_link").exists()


def test_the_start_page_offers_both_ways_in() -> None:
    response = Client().get("/appeal/")
    assert response.status_code == 200
    assert 'href="/appeal/find/"' in text_of(response) and 'href="/appeal/lost-address/"' in text_of(response)


# --- rate limits --------------------------------------------------------------------------------------------------


@pytest.fixture
def small_limits(settings) -> None:
    settings.APPELLANT_LINK_RATE_LIMITS = {"ip": 3, "handle": 2}


def _assert_too_many(response: HttpResponseBase) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 3600
    assert "Please wait a little" in text_of(response)
    assert "try again in about" in text_of(response)


@pytest.mark.parametrize("url", ["/appeal/find/", "/appeal/lost-address/"])
@pytest.mark.parametrize("handle", ["alice", "nobody_suspended"])
def test_too_many_links_for_one_handle_are_refused_from_any_address(
    small_limits, alice_suspension, url: str, handle: str
) -> None:
    answers = [
        Client().post(url, {"handle": handle, "email": "alice@example.org"}, REMOTE_ADDR=f"198.51.100.{n}")
        for n in range(1, 4)
    ]
    assert [a.status_code for a in answers[:2]] == [302, 302]
    _assert_too_many(answers[2])
    sent_before_limit = 2 if url.endswith("lost-address/") or handle == "alice" else 0
    assert Notification.objects.count() == sent_before_limit


@pytest.mark.parametrize("url", ["/appeal/find/", "/appeal/lost-address/"])
def test_too_many_links_from_one_address_are_refused_whatever_the_handle(small_limits, alice_suspension, url) -> None:
    client = Client()
    answers = [
        client.post(url, {"handle": handle, "email": "alice@example.org"}, REMOTE_ADDR=CLIENT_IP)
        for handle in ["nobody1", "nobody2", "nobody3", "alice"]
    ]
    assert [a.status_code for a in answers[:3]] == [302, 302, 302]
    _assert_too_many(answers[3])
    assert not Notification.objects.filter(recipient_email="alice@example.org", context__handle="alice").exists()


def test_the_refusal_looks_the_same_for_a_known_and_an_unknown_handle(small_limits, alice_suspension) -> None:
    refusals = []
    for handle in ["alice", "nobody_suspended"]:
        for n in range(3):
            response = Client().post(
                "/appeal/find/", {"handle": handle, "email": "alice@example.org"}, REMOTE_ADDR=f"192.0.2.{n + 1}"
            )
        refusals.append((response.status_code, re.sub(r"\d+", "N", comparable(text_of(response)))))
    assert refusals[0] == refusals[1]
    assert refusals[0][0] == 429


def test_the_finding_and_lost_address_forms_share_the_per_address_limit(small_limits) -> None:
    client = Client()
    for n in range(3):
        url = "/appeal/find/" if n % 2 else "/appeal/lost-address/"
        assert client.post(url, {"handle": f"nobody{n}", "email": "x@example.net"}).status_code == 302
    _assert_too_many(client.post("/appeal/find/", {"handle": "nobody9", "email": "x@example.net"}))


def test_spellings_of_one_handle_share_its_limit(small_limits, alice_suspension) -> None:
    """ "alice", "ALICE" and full-width "ａｌｉｃｅ" all reach Alice's case, so they must count as one handle."""
    answers = [
        Client().post("/appeal/find/", {"handle": spelling, "email": "alice@example.org"}, REMOTE_ADDR=f"192.0.2.{n}")
        for n, spelling in enumerate(["alice", "ALICE", "ａｌｉｃｅ"], start=1)
    ]
    assert [a.status_code for a in answers] == [302, 302, 429]
    assert Notification.objects.filter(template="sign_in_link").count() == 2


def test_an_invalid_form_does_not_use_up_the_limit(small_limits) -> None:
    client = Client()
    for _ in range(5):
        assert client.post("/appeal/find/", {"handle": "alice", "email": "not an address"}).status_code == 200
    assert client.post("/appeal/find/", {"handle": "alice", "email": "alice@example.org"}).status_code == 302


# --- the sign-in link ---------------------------------------------------------------------------------------------


def _link_for(suspension: Suspension) -> str:
    sign_in_link_request(handle=suspension.handle, email=suspension.account_email, language="en", ip=None)
    return f"/appeal/sign-in/{link_token('sign_in_link', suspension.account_email)}/"


def test_opening_the_link_shows_a_button_and_does_not_use_it(alice_suspension) -> None:
    link = _link_for(alice_suspension)
    response = Client().get(link)
    assert response.status_code == 200
    assert '<form method="post">' in text_of(response) and "Continue" in text_of(response)
    assert AppellantToken.objects.get().used_at is None
    assert not events("access.signed_in")
    assert Client().post(link).status_code == 302


def test_pressing_the_button_signs_in_and_starts_the_window_once(alice_suspension) -> None:
    client = Client()
    response = client.post(_link_for(alice_suspension), REMOTE_ADDR=CLIENT_IP)
    assert (response.status_code, response["Location"]) == (302, "/appeal/case/")
    (signed_in_event,) = events("access.signed_in")
    (opened,) = events("case.opened")
    assert (signed_in_event.actor_kind, signed_in_event.actor_id, signed_in_event.ip) == (
        "appellant",
        f"case:{alice_suspension.pk}",
        CLIENT_IP,
    )
    assert (opened.target_id, opened.ip) == (str(alice_suspension.pk), CLIENT_IP)
    assert shows(client.get("/appeal/case/"), alice_suspension.decision_facts)
    assert 3 * 60 * 60 < client.session.get_expiry_age() <= 4 * 60 * 60

    Client().post(_link_for(alice_suspension), REMOTE_ADDR="198.51.100.1")
    assert len(events("access.signed_in")) == 2
    assert len(events("case.opened")) == 1


def test_signing_in_replaces_the_session_key(alice_suspension) -> None:
    client = Client()
    session = client.session  # a fresh session, saved, with its cookie set on the client
    session["visited"] = True
    session.save()
    before = session.session_key
    client.post(_link_for(alice_suspension))
    assert client.session.session_key != before


def test_a_used_link_gets_a_page_offering_a_new_one(alice_suspension) -> None:
    link = _link_for(alice_suspension)
    Client().post(link)
    stranger = Client()
    response = stranger.post(link)
    assert response.status_code == 410
    assert "This link was already used." in text_of(response)
    assert 'href="/appeal/find/"' in text_of(response)
    assert stranger.get("/appeal/case/")["Location"] == "/appeal/find/"
    assert len(events("access.signed_in")) == 1


def test_an_expired_link_is_refused(alice_suspension) -> None:
    link = _link_for(alice_suspension)
    AppellantToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(link)
    assert response.status_code == 410
    assert "This link has expired." in text_of(response)
    assert not events("access.signed_in") and AppellantToken.objects.get().used_at is None


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b",
        "x" * 2000,
        "%00",
        "ab%00cd.ef",
        "%E2%80%AEevil",
        "ｓｅｌｅｃｔｏｒ.ｓｅｃｒｅｔ",
        "'; DROP TABLE accounts_appellanttoken; --",
    ],
)
def test_a_garbage_token_is_refused_with_a_page_never_an_error(db, token: str) -> None:
    assert Client().get(f"/appeal/sign-in/{token}/").status_code == 200  # only the button; nothing is looked up
    response = Client().post(f"/appeal/sign-in/{token}/")
    assert response.status_code == 410
    assert "This link is not valid." in text_of(response)


def test_a_right_selector_with_a_wrong_secret_is_refused(alice_suspension) -> None:
    link = _link_for(alice_suspension)
    selector = link.split("/")[-2].partition(".")[0]
    response = Client().post(f"/appeal/sign-in/{selector}.{'0' * 32}/")
    assert response.status_code == 410 and AppellantToken.objects.get().used_at is None
    assert Client().post(link).status_code == 302


def test_pages_of_a_case_send_a_visitor_without_a_session_to_find_their_case(alice_appeal) -> None:
    client = Client()
    for url in [
        "/appeal/case/",
        "/appeal/case/appeal/",
        "/appeal/inbox/",
        f"/appeal/appeals/{alice_appeal.reference}/",
        f"/appeal/appeals/{alice_appeal.reference}/withdraw/",
        f"/appeal/appeals/{alice_appeal.reference}/decision/",
    ]:
        response = client.get(url)
        assert (response.status_code, response["Location"]) == (302, "/appeal/find/"), url
    assert "Please sign in to your case first." in text_of(client.get("/appeal/find/"))


def _csrf_token(response: HttpResponseBase) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(response))
    assert match is not None
    return match.group(1)


def test_the_link_and_find_forms_refuse_a_post_from_another_site(alice_suspension) -> None:
    link = _link_for(alice_suspension)
    client = Client(enforce_csrf_checks=True)
    assert client.post(link).status_code == 403
    assert client.post("/appeal/find/", {"handle": "alice", "email": "alice@example.org"}).status_code == 403
    assert AppellantToken.objects.get().used_at is None
    assert Notification.objects.filter(template="sign_in_link").count() == 1
    token = _csrf_token(client.get(link))
    assert client.post(link, {"csrfmiddlewaretoken": token}).status_code == 302


def test_withdrawing_refuses_a_post_from_another_site(alice_appeal) -> None:
    client = Client(enforce_csrf_checks=True)
    link = _link_for(alice_appeal.suspension)
    client.post(link, {"csrfmiddlewaretoken": _csrf_token(client.get(link))})
    assert client.post(f"/appeal/appeals/{alice_appeal.reference}/withdraw/").status_code == 403
    assert Appeal.objects.get(pk=alice_appeal.pk).status == "submitted"


def test_signing_out_ends_the_session(alice_suspension) -> None:
    client = signed_in(alice_suspension)
    response = client.post("/appeal/sign-out/")
    assert response["Location"] == "/appeal/"
    assert client.get("/appeal/case/")["Location"] == "/appeal/find/"
    assert client.get("/appeal/sign-out/").status_code == 405


# --- forms keep what was typed and tie errors to fields -----------------------------------------------------------


def test_find_with_a_bad_address_keeps_the_handle_and_marks_the_address(db) -> None:
    response = Client().post("/appeal/find/", {"handle": "alice", "email": "alice(at)example.org"})
    html = text_of(response)
    assert response.status_code == 200
    assert_field_error(html, "id_email", "Enter a valid email address.")
    assert 'value="alice(at)example.org"' in field_tag(html, "id_email")
    assert 'value="alice"' in field_tag(html, "id_handle")
    assert "aria-invalid" not in field_tag(html, "id_handle")
    assert not Notification.objects.exists()


def test_find_with_an_empty_handle_keeps_the_address_and_marks_the_handle(db) -> None:
    response = Client().post("/appeal/find/", {"handle": "", "email": "alice@example.org"})
    html = text_of(response)
    assert_field_error(html, "id_handle", "This field is required.")
    assert 'value="alice@example.org"' in field_tag(html, "id_email")


def test_lost_address_with_a_bad_address_keeps_the_handle_and_marks_the_address(db) -> None:
    response = Client().post("/appeal/lost-address/", {"handle": "@alice", "email": "nope"})
    html = text_of(response)
    assert response.status_code == 200
    assert_field_error(html, "id_email", "Enter a valid email address.")
    assert 'value="@alice"' in field_tag(html, "id_handle")
    assert not Notification.objects.exists()


# --- junk never makes a 500 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/appeal/find/", "/appeal/lost-address/"])
@pytest.mark.parametrize(
    "handle",
    [
        "a" * 300,
        "ali\x00ce",
        "\u200b",
        "ali\u200bce",
        "\u202eecila",
        "@@@",
        "   ",
        "alice https://evil.example/",
        "<script>alert(1)</script>",
    ],
    ids=[
        "very long",
        "NUL",
        "zero-width only",
        "zero-width inside",
        "RTL override",
        "only @",
        "blank",
        "link",
        "markup",
    ],
)
def test_a_junk_handle_is_refused_with_a_message_on_the_field(db, url: str, handle: str) -> None:
    response = Client().post(url, {"handle": handle, "email": "someone@example.net"})
    assert response.status_code == 200
    assert re.search(r"<li>[^<]+</li>", error_list(text_of(response), "id_handle"))
    assert 'aria-invalid="true"' in field_tag(text_of(response), "id_handle")
    assert not Notification.objects.exists() and not AppellantToken.objects.exists()


@pytest.mark.parametrize("url", ["/appeal/find/", "/appeal/lost-address/"])
@pytest.mark.parametrize(
    "handle",
    ["a" * 64, "علي_المدون", "名前" * 30, "\ufb03" * 20, "नमस्ते", "Zoe\u0308"],
    ids=["64 latin", "arabic", "cjk", "expands under NFKC", "devanagari", "decomposed accent"],
)
def test_a_long_or_non_latin_handle_is_answered_like_any_other(db, url: str, handle: str) -> None:
    response = Client().post(url, {"handle": handle, "email": "someone@example.net"})
    assert response.status_code == 302
    assert response["Location"] == url + "sent/"


@pytest.mark.parametrize("url", ["/appeal/find/", "/appeal/lost-address/"])
def test_a_handle_that_grows_too_long_when_normalised_gets_a_field_error(db, url: str) -> None:
    response = Client().post(url, {"handle": "\ufdfa" * 20, "email": "someone@example.net"})
    assert response.status_code == 200
    assert "Enter the handle as it appears on the platform" in text_of(response)
    assert not Notification.objects.exists()


def test_a_nul_byte_in_an_address_is_refused_with_a_message(db) -> None:
    response = Client().post("/appeal/find/", {"handle": "alice", "email": "alice@example.org\x00"})
    assert response.status_code == 200
    assert "Enter a valid email address." in text_of(response) or "Null characters" in text_of(response)


def test_the_longest_address_the_form_accepts_can_be_checked(db) -> None:
    long_address = "a" * 64 + "@" + ("b" * 60 + ".") * 4 + "com"  # valid, and 312 characters
    response = Client().post("/appeal/lost-address/", {"handle": "alice", "email": long_address})
    assert response.status_code in (200, 302)
    if response.status_code == 200:
        assert "errorlist" in text_of(response)
    else:
        assert Notification.objects.get(template="verify_contact").recipient_email == long_address


def test_an_empty_post_shows_the_form_again(db) -> None:
    response = Client().post("/appeal/find/", {})
    assert response.status_code == 200
    assert 'name="handle"' in text_of(response)


# --- headers and language on every page ---------------------------------------------------------------------------


def _every_page(client: Client, appeal: Appeal) -> dict[str, HttpResponseBase]:
    reference = appeal.reference
    anonymous = Client()
    evidence_id = appeal.evidence.get().pk
    return {
        "start": anonymous.get("/appeal/"),
        "find": anonymous.get("/appeal/find/"),
        "find with errors": anonymous.post("/appeal/find/", {"handle": "", "email": "x"}),
        "find sent": anonymous.get("/appeal/find/sent/"),
        "lost address": anonymous.get("/appeal/lost-address/"),
        "lost address sent": anonymous.get("/appeal/lost-address/sent/"),
        "sign in": anonymous.get("/appeal/sign-in/whatever/"),
        "link invalid": anonymous.post("/appeal/sign-in/whatever/"),
        "not found": anonymous.get("/appeal/nowhere/"),
        "case": client.get("/appeal/case/"),
        "file": client.get("/appeal/case/appeal/"),
        "inbox": client.get("/appeal/inbox/"),
        "status": client.get(f"/appeal/appeals/{reference}/"),
        "filed": client.get(f"/appeal/appeals/{reference}/filed/"),
        "withdraw": client.get(f"/appeal/appeals/{reference}/withdraw/"),
        "reply with errors": client.post(f"/appeal/appeals/{reference}/reply/", {"body": ""}),
        "evidence": client.get(f"/appeal/appeals/{reference}/evidence/{evidence_id}/"),
        "someone else's appeal": client.get("/appeal/appeals/RC-0000-0000/"),
    }


@pytest.fixture
def alice_with_evidence(alice_suspension) -> Appeal:
    return make_appeal(alice_suspension, evidence=[upload("shot.png", PNG)])


def test_every_page_sends_a_content_security_policy_without_inline_code(alice_with_evidence) -> None:
    client = signed_in(alice_with_evidence.suspension)
    pages = _every_page(client, alice_with_evidence)
    pages["evidence"].close()
    for name, response in pages.items():
        policy = response.get("Content-Security-Policy", "")
        assert policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        if name != "evidence":
            assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, name
            html = text_of(response)
            assert not re.search(r"<script(?![^>]*\bsrc=)", html), name  # inline scripts would be blocked anyway
            assert not re.search(r"\sstyle=", html) and "<style" not in html, name


def test_the_rate_limit_page_also_sends_the_policy(settings) -> None:
    settings.APPELLANT_LINK_RATE_LIMITS = {"ip": 1, "handle": 1}
    client = Client()
    client.post("/appeal/find/", {"handle": "alice", "email": "a@example.org"})
    response = client.post("/appeal/find/", {"handle": "alice", "email": "a@example.org"})
    assert response.status_code == 429
    assert "unsafe-inline" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("how", ["cookie", "accept-language"])
def test_pages_render_in_german_when_asked(alice_appeal, settings, how: str) -> None:
    if how == "cookie":
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    else:
        client = Client(HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    for url in ["/appeal/", "/appeal/find/", "/appeal/find/sent/", "/appeal/lost-address/"]:
        assert '<html lang="de">' in text_of(client.get(url)), url
    sign_in(client, alice_appeal.suspension)
    for url in ["/appeal/case/", "/appeal/inbox/", f"/appeal/appeals/{alice_appeal.reference}/"]:
        assert '<html lang="de">' in text_of(client.get(url)), url


def test_pages_are_in_english_by_default(db) -> None:
    assert '<html lang="en">' in text_of(Client().get("/appeal/"))


def test_a_link_asked_for_in_german_is_written_in_german(db) -> None:
    make_suspension("bernd")
    client = Client()
    client.cookies["django_language"] = "de"
    client.post("/appeal/find/", {"handle": "bernd", "email": "bernd@example.org"})
    assert Notification.objects.get(template="sign_in_link").language == "de"
