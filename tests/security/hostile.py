"""What the hostile-input tests share: strategies for nasty text, a raw form post that can carry any code point
(lone surrogates included, as the broken UTF-8 a real client may send), and a rollback per example."""

import operator
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote, quote_from_bytes

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# Bounded and repeatable: the same examples on every run and every machine, however slow.
# function_scoped_fixture: every example runs in its own rolled-back savepoint (see `rolled_back`), so the
# fixtures' rows are the same for each.
bounded = settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FRAGMENTS = [
    "\x00",
    "\r\n",
    "\n",
    "\r",
    "\t",
    "\x0b",
    "\x85",
    "\u2028",
    "\u202e",  # right-to-left override
    "\u2066",  # left-to-right isolate
    "\u200b",  # zero-width space
    "\u200d",  # zero-width joiner
    "\ufeff",
    "\ud800",  # a lone surrogate: sent as the broken UTF-8 it would be on the wire
    "\udfff",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "{{ 7|add:7 }}{% debug %}",
    "%s%n%x",
    "' OR 1=1 --",
    "\\",
    "\u0130",  # dotted capital I: lower() and casefold() disagree
    "ß",
    "ﬁ",
    "Ａ",
    "e\u0301",
    "а",  # Cyrillic a
    "𝕒",
    "🏳️‍🌈",
    "@",
    " ",
    "alice",
    "alice@example.org",
    "\r\nBcc: victim@example.org",
    "%0d%0aBcc:victim@example.org",
]

_any_char = st.one_of(st.characters(), st.characters(categories=["Cs"]))

hostile_text = st.one_of(
    st.text(_any_char, max_size=40),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(_any_char, max_size=4)), max_size=10).map("".join),
    # Huge: past every max_length on our forms.
    st.builds(operator.mul, st.sampled_from(FRAGMENTS), st.integers(min_value=200, max_value=6000)),
)

hostile_email = st.one_of(
    hostile_text,
    st.emails(),
    st.builds(operator.add, st.emails(), hostile_text),
    st.builds(operator.add, hostile_text, st.emails()),
)


def as_received(value: str) -> str:
    """What the server reads for `value`: lone surrogates arrive as bytes that are not UTF-8 and are replaced."""
    return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def post_form(client: Client, url: str, fields: dict[str, str]) -> HttpResponse:
    """POST urlencoded fields byte for byte (the test client would refuse to encode a lone surrogate)."""
    body = "&".join(
        f"{quote(key)}={quote_from_bytes(value.encode('utf-8', 'surrogatepass'))}" for key, value in fields.items()
    )
    return client.generic(  # type: ignore[return-value]
        "POST", url, body.encode(), content_type="application/x-www-form-urlencoded"
    )


@contextmanager
def rolled_back() -> Iterator[None]:
    """One example's changes undone afterwards, rate-limit counters included, so each starts from the same state."""
    cache.clear()
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
