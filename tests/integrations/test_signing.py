"""The signature Recourse puts on each request, checked both by our own helper and by the standalone verifier the
README gives receivers (docs/webhook_verifier.py): the two must agree on every case."""

from collections.abc import Callable
from pathlib import Path

import pytest

from portal.integrations.signing import signature_header, signature_verify
from tests.integrations.conftest import load_verifier

SECRET = "whsec_test-secret"
OTHER_SECRET = "whsec_another-secret"
BODY = b'{"data":{"action":"reinstate_account"},"id":"5f0c","type":"appeal.decided"}'
SENT_AT = 1_764_066_600

Check = Callable[..., bool]


def with_our_helper(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    return signature_verify(secret, header, body, now=now, tolerance=tolerance)


def with_the_readme_verifier(secret: str, header: str, body: bytes, *, now: float, tolerance: int = 300) -> bool:
    verifier = load_verifier()
    try:
        verifier.verify_webhook(secret, header, body, now=now, tolerance=tolerance)
    except verifier.InvalidSignature:
        return False
    return True


@pytest.fixture(params=[with_our_helper, with_the_readme_verifier], ids=["helper", "readme-verifier"])
def check(request: pytest.FixtureRequest) -> Check:
    return request.param


def test_the_header_names_the_time_and_the_hmac_of_time_and_body() -> None:
    header = signature_header(SECRET, BODY, SENT_AT)
    assert header.startswith(f"t={SENT_AT},v1=") and len(header.split("v1=")[1]) == 64


def test_a_fresh_signature_over_the_exact_body_verifies(check: Check) -> None:
    assert check(SECRET, signature_header(SECRET, BODY, SENT_AT), BODY, now=SENT_AT + 5)


def test_a_changed_body_does_not_verify(check: Check) -> None:
    header = signature_header(SECRET, BODY, SENT_AT)
    assert not check(SECRET, header, BODY.replace(b"reinstate_account", b"none"), now=SENT_AT)
    assert not check(SECRET, header, BODY + b" ", now=SENT_AT)


def test_another_secret_does_not_verify(check: Check) -> None:
    assert not check(OTHER_SECRET, signature_header(SECRET, BODY, SENT_AT), BODY, now=SENT_AT)


def test_a_request_older_or_newer_than_the_window_is_refused(check: Check) -> None:
    header = signature_header(SECRET, BODY, SENT_AT)
    assert check(SECRET, header, BODY, now=SENT_AT + 300)
    assert not check(SECRET, header, BODY, now=SENT_AT + 301), "a replay five minutes later"
    assert not check(SECRET, header, BODY, now=SENT_AT - 301), "a clock far behind"
    assert check(SECRET, header, BODY, now=SENT_AT + 3600, tolerance=3600)


def test_a_moved_timestamp_breaks_the_signature(check: Check) -> None:
    signature = signature_header(SECRET, BODY, SENT_AT).split(",")[1]
    assert not check(SECRET, f"t={SENT_AT + 600},{signature}", BODY, now=SENT_AT + 600)


@pytest.mark.parametrize(
    "header",
    [
        "",
        "garbage",
        f"t={SENT_AT}",
        "v1=00",
        f"t=soon,v1={'0' * 64}",
        f"t=１７６４０６６６００,v1={'0' * 64}",
        "t=²,v1=ab",
        f"t={SENT_AT},v1=",
        f"t={SENT_AT},v1=é{'0' * 63}",
        f"t={SENT_AT},v0={'0' * 64}",
    ],
)
def test_a_malformed_header_is_refused_not_an_error(check: Check, header: str) -> None:
    assert not check(SECRET, header, BODY, now=SENT_AT)


def test_any_one_of_several_signatures_may_match_during_a_secret_rotation(check: Check) -> None:
    old = signature_header(OTHER_SECRET, BODY, SENT_AT).split(",")[1]
    new = signature_header(SECRET, BODY, SENT_AT).split(",")[1]
    assert check(SECRET, f"t={SENT_AT},{old},{new}", BODY, now=SENT_AT)
    assert check(SECRET, f"t={SENT_AT}, {new}, {old}", BODY, now=SENT_AT)
    assert not check(SECRET, f"t={SENT_AT},{old}", BODY, now=SENT_AT)


def test_the_readme_verifier_says_why_it_refuses() -> None:
    verifier = load_verifier()
    header = signature_header(SECRET, BODY, SENT_AT)
    with pytest.raises(verifier.InvalidSignature, match="missing or malformed"):
        verifier.verify_webhook(SECRET, "", BODY)
    with pytest.raises(verifier.InvalidSignature, match="replay"):
        verifier.verify_webhook(SECRET, header, BODY, now=SENT_AT + 301)
    with pytest.raises(verifier.InvalidSignature, match="does not match"):
        verifier.verify_webhook(OTHER_SECRET, header, BODY, now=SENT_AT)


def test_the_api_guide_shows_the_verifier_exactly_as_the_file_holds_it() -> None:
    """docs/api.md prints the verifier for receivers to copy; the copy must be the file these tests run."""
    docs = Path(__file__).resolve().parents[2] / "docs"
    guide = (docs / "api.md").read_text()
    section = guide[guide.index("### Verifying webhook signatures") :]
    shown = section[section.index("```python\n") + len("```python\n") : section.index("\n```\n")]
    assert shown + "\n" == (docs / "webhook_verifier.py").read_text()
