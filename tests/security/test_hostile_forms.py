"""Property-based tests: every public form, and the staff sign-in, takes arbitrary text (NUL, lone surrogates,
right-to-left overrides, zero-width characters, CRLF, markup, thousands of characters) and answers with either
success or the form again, showing what was typed with its errors, never a server error, and saving nothing
when it refuses."""

from datetime import date
from urllib.parse import quote_from_bytes

import pytest
from axes.models import AccessAttempt
from django.db.models import Model
from django.test import Client
from django.utils.html import escape
from hypothesis import given
from hypothesis import strategies as st

from accounts.appellant_access import SESSION_KEY
from accounts.models import AppellantToken, User
from appeals.models import Appeal, AppealReason, Evidence, Message, Suspension
from appeals.services import appeal_claim
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import signed_in, text_of
from tests.conftest import staff_client, totp_device
from tests.factories import PASSWORD
from tests.security.hostile import as_received, bounded, hostile_email, hostile_text, post_form, rolled_back

pytestmark = pytest.mark.django_db

WATCHED: list[type[Model]] = [AppellantToken, Notification, Appeal, Message, Evidence]


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in WATCHED}


def assert_refused_keeping_what_was_typed(response, typed: dict[str, str], before: dict[str, int]) -> None:
    html = text_of(response)
    assert 'class="errorlist' in html
    for value in typed.values():
        assert str(escape(as_received(value))) in html
    assert row_counts() == before


def _link_form(url: str, done: str, handle: str, email: str) -> None:
    client = Client()
    with rolled_back():
        before = row_counts()
        response = post_form(client, url, {"handle": handle, "email": email})
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert response["Location"] == done
        else:
            assert_refused_keeping_what_was_typed(response, {"handle": handle, "email": email}, before)


@given(handle=st.one_of(hostile_text, st.just("alice")), email=hostile_email)
@bounded
def test_find_my_case_takes_any_text(alice_suspension: Suspension, handle: str, email: str) -> None:
    _link_form("/appeal/find/", "/appeal/find/sent/", handle, email)


@given(handle=hostile_text, email=hostile_email)
@bounded
def test_the_lost_address_form_takes_any_text(db: None, handle: str, email: str) -> None:
    _link_form("/appeal/lost-address/", "/appeal/lost-address/sent/", handle, email)


@given(token=hostile_text)
@bounded
def test_any_sign_in_token_is_refused_without_signing_in(alice_suspension: Suspension, token: str) -> None:
    client = Client()
    with rolled_back():
        path = quote_from_bytes(token.encode("utf-8", "surrogatepass"), safe="")
        response = client.post(f"/appeal/sign-in/{path}/")
        # 404 when the token is empty or holds a slash (no such page); otherwise "this link is not valid".
        assert response.status_code in (404, 410)
        assert SESSION_KEY not in client.session


@given(reason=st.one_of(st.sampled_from(AppealReason.values), hostile_text), statement=hostile_text)
@bounded
def test_filing_an_appeal_takes_any_text(alice_suspension: Suspension, reason: str, statement: str) -> None:
    client = signed_in(alice_suspension)
    with rolled_back():
        before = row_counts()
        fields = {"reason": reason, "statement": statement, "language": "en"}
        response = post_form(client, "/appeal/case/appeal/", fields)
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            appeal = Appeal.objects.get()
            assert (appeal.reason, appeal.statement) == (reason, as_received(statement).strip())
        else:
            assert_refused_keeping_what_was_typed(response, {"statement": statement}, before)


@given(language=hostile_text)
@bounded
def test_filing_with_any_language_is_refused_unless_it_is_one_we_offer(
    alice_suspension: Suspension, language: str
) -> None:
    client = signed_in(alice_suspension)
    with rolled_back():
        before = row_counts()
        fields = {"reason": AppealReason.CONTEXT_MISSED, "statement": "A fair statement.", "language": language}
        response = post_form(client, "/appeal/case/appeal/", fields)
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert_refused_keeping_what_was_typed(response, {}, before)


@given(body=hostile_text)
@bounded
def test_replying_takes_any_text(alice_appeal: Appeal, body: str) -> None:
    client = signed_in(alice_appeal.suspension)
    with rolled_back():
        before = row_counts()
        response = post_form(client, f"/appeal/appeals/{alice_appeal.reference}/reply/", {"body": body})
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert Message.objects.get().body == as_received(body).strip()
        else:
            assert_refused_keeping_what_was_typed(response, {"body": body}, before)


@given(reference=hostile_text, page=st.sampled_from(["", "filed/", "decision/", "withdraw/", "evidence/1/"]))
@bounded
def test_any_appeal_reference_in_an_address_is_simply_not_found(
    alice_appeal: Appeal, reference: str, page: str
) -> None:
    client = signed_in(alice_appeal.suspension)
    path = quote_from_bytes(reference.encode("utf-8", "surrogatepass"), safe="")
    with rolled_back():
        for method in (client.get, client.post):
            response = method(f"/appeal/appeals/{path}/{page}")
            assert response.status_code in (404, 405) or reference == alice_appeal.reference
        assert Appeal.objects.get().status == alice_appeal.status


@given(
    username=st.one_of(hostile_email, st.just("rita@recourse.test")),
    password=st.one_of(hostile_text, st.just(PASSWORD + "x")),
)
@bounded
def test_the_staff_sign_in_takes_any_text(rita: User, settings, username: str, password: str) -> None:
    # A fast hasher, so the examples test the form and not PBKDF2 (no password here is ever right).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    client = Client()
    with rolled_back():
        response = post_form(client, "/review/login/", {"username": username, "password": password})
        assert response.status_code in (200, 429)
        assert "_auth_user_id" not in client.session
        if response.status_code == 200:
            html = text_of(response)
            assert 'class="errorlist' in html
            assert str(escape(as_received(username).strip())) in html or not as_received(username).strip()


@given(code=hostile_text, step=st.sampled_from(["code", "setup"]))
@bounded
def test_the_authenticator_code_takes_any_text(rita: User, code: str, step: str) -> None:
    client = Client()
    client.force_login(rita, backend="django.contrib.auth.backends.ModelBackend")
    with rolled_back():
        if step == "code":
            totp_device(rita)
        response = post_form(client, f"/review/login/{step}/", {"code": code})
        assert response.status_code == 200
        assert 'class="errorlist' in text_of(response)
        assert str(escape(as_received(code))) in text_of(response)


@pytest.mark.parametrize("reference", ["%00", "RC-%00", "%2e%2e", "rc-0000-0000", "R" * 17])
def test_an_appeal_reference_that_cannot_be_one_is_not_found_before_any_query(
    alice_appeal: Appeal, rita: User, reference: str
) -> None:
    appellant = signed_in(alice_appeal.suspension)
    reviewer = staff_client(rita)
    for client, url in [(appellant, "/appeal/appeals/{}/"), (reviewer, "/review/appeals/{}/")]:
        assert client.get(url.format(reference)).status_code == 404
        assert client.post(url.format(reference) + "withdraw/").status_code == 404


@pytest.mark.parametrize("path", ["", "warn/", "block/", "dismiss/", "blocks/1/lift/"])
def test_a_misuse_address_with_a_control_character_is_not_found_before_any_query(sam: User, path: str) -> None:
    client = staff_client(sam)
    for key in ("%00", "jo%00", "jo%0A"):
        assert client.get(f"/review/misuse/{key}/{path}").status_code == 404
        assert client.post(f"/review/misuse/{key}/{path}").status_code == 404


def test_an_overlong_staff_username_is_refused_by_the_form_and_never_logged_by_axes(rita: User) -> None:
    response = Client().post("/review/login/", {"username": "r" * 300 + "@recourse.test", "password": "x"})
    assert response.status_code == 200
    assert "Ensure this value has at most 254 characters (it has 314)." in text_of(response)
    assert not AccessAttempt.objects.exists()


QUERY_STRINGS = [
    "/review/?q={}",
    "/review/?rule={}",
    "/review/?status=decided&ordering={}",
    "/review/appeals/{{ref}}/?template={}",
    "/review/login/?next={}",
]


@pytest.mark.parametrize(
    "value", ["%00", "%ED%A0%80", "a%0D%0Ab", "%E2%80%AE" * 3000], ids=["nul", "surrogate", "crlf", "long"]
)
@pytest.mark.parametrize("url", QUERY_STRINGS)
def test_a_hostile_query_string_on_a_staff_page_is_never_a_server_error(
    alice_appeal: Appeal, rita: User, url: str, value: str
) -> None:
    response = staff_client(rita).get(url.format(value).replace("{ref}", alice_appeal.reference))
    assert response.status_code in (200, 302)


# --- the reviewers' forms: not public, but what staff paste in (or a hostile colleague) must not break them -----


@given(
    body=hostile_text,
    reply_by=st.one_of(
        st.dates(min_value=date(2030, 1, 1)).map(str),  # after today, up to 9999-12-31
        st.dates().map(str),
        hostile_text,
        st.sampled_from(["9999-12-31", "2026-02-30", "0001-01-01"]),
    ),
)
@bounded
def test_asking_the_appellant_takes_any_text_and_any_date(
    alice_appeal: Appeal, rita: User, body: str, reply_by: str
) -> None:
    client = staff_client(rita)
    with rolled_back():
        appeal_claim(appeal=alice_appeal, by=rita)
        appeal = Appeal.objects.get()
        before = row_counts()
        fields = {"version": str(appeal.version), "body": body, "reply_by": reply_by}
        response = post_form(client, f"/review/appeals/{appeal.reference}/request-info/", fields)
        assert response.status_code in (302, 400)
        if response.status_code == 302:
            assert Message.objects.get().body == as_received(body).strip()
        else:
            assert_refused_keeping_what_was_typed(response, {"body": body}, before)


@given(body=hostile_text, internal=st.sampled_from(["on", "", "\x00", "true"]))
@bounded
def test_writing_on_a_case_takes_any_text(alice_appeal: Appeal, rita: User, body: str, internal: str) -> None:
    client = staff_client(rita)
    with rolled_back():
        before = row_counts()
        response = post_form(
            client, f"/review/appeals/{alice_appeal.reference}/message/", {"body": body, "internal": internal}
        )
        assert response.status_code in (302, 400)
        if response.status_code == 400:
            assert_refused_keeping_what_was_typed(response, {"body": body}, before)
