"""Handles: find-my-case matches a typed handle to the platform's exactly as appeals.models.handle_key does (no
leading @, NFKC, case-folded), refuses what cannot be a handle (invisible and direction characters, overlong),
matches nothing else (homoglyphs stay different), and answers the same whether or not a case exists."""

import unicodedata

import pytest
from django.test import Client
from hypothesis import assume, event, given
from hypothesis import strategies as st

from appeals.models import Suspension, handle_key
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import comparable, error_list, text_of
from tests.factories import make_suspension
from tests.security.hostile import FRAGMENTS, bounded, post_form, rolled_back

pytestmark = pytest.mark.django_db

HANDLE_ERROR = "Enter the handle as it appears on the platform, for example @jo_example."


@pytest.fixture
def jo() -> Suspension:
    return make_suspension("Jo_Straße.Ⅻ", account_email="jo@example.org")


def links_sent() -> int:
    return Notification.objects.filter(template="sign_in_link").count()


def ask(handle: str, email: str = "jo@example.org"):
    return post_form(Client(), "/appeal/find/", {"handle": handle, "email": email})


SAME_HANDLE = {
    "as stored": "Jo_Straße.Ⅻ",
    "leading @": "@Jo_Straße.Ⅻ",
    "spaces around": "  @Jo_Straße.Ⅻ \t",
    "case folded": "jo_strasse.xii",
    "upper case": "JO_STRASSE.XII",
    "full-width letters": "Ｊｏ_Ｓｔｒａßｅ.Ⅻ",
    "decomposed": unicodedata.normalize("NFD", "Jo_Straße.Ⅻ"),
}


@pytest.mark.parametrize("typed", SAME_HANDLE.values(), ids=SAME_HANDLE.keys())
def test_a_handle_that_normalises_to_the_same_key_finds_the_case(jo: Suspension, typed: str) -> None:
    response = ask(typed)
    assert (response.status_code, response["Location"]) == (302, "/appeal/find/sent/")
    assert links_sent() == 1
    assert Notification.objects.get().recipient_email == "jo@example.org"


OTHER_HANDLES = {
    "cyrillic o (homoglyph)": "J\u043e_Straße.Ⅻ",
    "latin digit one for l": "Jo_Stra1e.Ⅻ",
    "roman numerals spelt as other letters": "Jo_Straße.XIl",
    "one character more": "Jo_Straße.Ⅻ_",
    "dotted capital I": "J\u0130_Straße.Ⅻ",
}


@pytest.mark.parametrize("typed", OTHER_HANDLES.values(), ids=OTHER_HANDLES.keys())
def test_a_look_alike_handle_finds_nothing_and_gets_the_same_answer(jo: Suspension, typed: str) -> None:
    match = ask("Jo_Straße.Ⅻ", email="someone@example.org")
    response = ask(typed)
    assert (response.status_code, response["Location"]) == (302, "/appeal/find/sent/")
    assert links_sent() == 0
    assert comparable(text_of(Client().get(response["Location"]))) == comparable(
        text_of(Client().get(match["Location"]))
    )


REFUSED = {
    "right-to-left override": "Jo\u202e_Straße",
    "zero-width joiner": "Jo\u200d_Straße",
    "zero-width space": "Jo\u200b_Straße",
    "byte-order mark": "\ufeffJo_Straße",
    "inner space": "Jo Straße",
    "two leading @": "@@Jo_Straße",
    "only @": "@",
    "a line break": "Jo\r\nBcc: x@example.org",
    "markup": "<b>Jo</b>",
    "a NUL": "Jo\x00",
    "65 letters": "j" * 65,
    "64 characters that NFKC makes 66": "ﬀ" * 33,
    "a link": "evil.example/claim?prize=1",
}


@pytest.mark.parametrize("typed", REFUSED.values(), ids=REFUSED.keys())
def test_what_cannot_be_a_handle_is_refused_with_a_message_and_sends_nothing(jo: Suspension, typed: str) -> None:
    response = ask(typed)
    assert response.status_code == 200
    errors = error_list(text_of(response), "id_handle")
    assert any(
        message in errors
        for message in (HANDLE_ERROR, "Null characters are not allowed.", "Ensure this value has at most 65 characters")
    )
    assert links_sent() == 0


def test_a_handle_at_the_limit_is_found_and_one_past_it_is_refused() -> None:
    at_limit = make_suspension("h" * 64, account_email="long@example.org")
    assert ask("@" + at_limit.handle, "long@example.org").status_code == 302
    assert links_sent() == 1
    past = ask("h" * 65, "long@example.org")
    assert past.status_code == 200 and links_sent() == 1


handle_chars = st.one_of(
    st.sampled_from(["Jo_Straße.Ⅻ", "jo", "JO", "ß", "ss", "ﬁ", "fi", "Ⅻ", "xii", "\u0130", "i", "e\u0301", "é"]),
    st.sampled_from(FRAGMENTS),
    st.characters(),
)
handles = st.lists(handle_chars, max_size=4).map("".join)


def spellings_of(stored: str) -> st.SearchStrategy[str]:
    """What someone might type for a stored handle: other spellings of it, or anything at all."""
    return st.one_of(
        handles,
        st.sampled_from(
            [
                stored,
                f"@{stored}",
                f" {stored} ",
                stored.upper(),
                stored.casefold(),
                unicodedata.normalize("NFKD", stored),
                unicodedata.normalize("NFKC", stored),
            ]
        ),
    )


@given(stored=handles, data=st.data())
@bounded
def test_a_link_is_sent_exactly_when_a_well_formed_typed_handle_has_the_stored_handles_key(
    db: None, stored: str, data: st.DataObject
) -> None:
    assume(handle_key(stored) and stored.isprintable())
    typed = data.draw(spellings_of(stored))
    with rolled_back():
        suspension = make_suspension(stored, account_email="holder@example.org")
        response = ask(typed, "holder@example.org")
        assert response.status_code in (200, 302)
        event(f"answered {response.status_code}, {links_sent()} link sent")  # shown by --hypothesis-show-statistics
        if response.status_code == 302:
            assert (links_sent() == 1) == (handle_key(typed) == suspension.handle_key)
        else:
            assert links_sent() == 0
