"""Staff sign-in over HTTP: the password, then a code from an authenticator app (enrolled on first sign-in),
lockout after repeated failures, sign-out, and the audit trail of each. Codes are computed as the app would."""

import base64
import re
from collections.abc import Iterator
from typing import cast
from urllib.parse import parse_qsl, urlsplit

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBase
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from portal.audit.models import AuditEvent
from tests.appeals.test_appellant_pages import sign_in
from tests.conftest import current_code, totp_device
from tests.factories import PASSWORD, make_appeal
from tests.review.test_permissions import REVIEW_ROUTES, RULES, World, build_world, login_redirect, review_url

pytestmark = pytest.mark.django_db

STAFF_IP = "198.51.100.23"
OTHER_IP = "198.51.100.99"
QUEUE = "/review/"
LOCKED_OUT = 429  # django-axes answers a locked-out sign-in with AXES_HTTP_RESPONSE_CODE, left at its default


@pytest.fixture(autouse=True)
def _no_failed_attempts(db: None) -> Iterator[None]:
    """Lockout counts live in axes' tables (and the appellant rate limits in the cache); no test inherits them."""
    axes_reset()
    cache.clear()
    yield
    axes_reset()
    cache.clear()


def browser(ip: str = STAFF_IP) -> Client:
    return Client(REMOTE_ADDR=ip)


def text_of(response: HttpResponseBase) -> str:
    return cast(HttpResponse, response).content.decode()


def where(response: HttpResponseBase) -> tuple[str, dict[str, str]]:
    """A redirect's path and its query, decoded."""
    assert response.status_code == 302, response.status_code
    parts = urlsplit(response["Location"])
    return parts.path, dict(parse_qsl(parts.query))


def enter_password(client: Client, user: User, *, password: str = PASSWORD, next_url: str = QUEUE) -> HttpResponseBase:
    return client.post(reverse("staff:login"), {"username": user.email, "password": password, "next": next_url})


def enter_code(client: Client, step: str, code: str, *, next_url: str = QUEUE) -> HttpResponseBase:
    return client.post(reverse(step), {"code": code, "next": next_url})


def unconfirmed_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def wrong_code(device: TOTPDevice) -> str:
    """A code the server accepts at no moment near now: it allows one step either side, and the request may land
    in the next step."""
    near = {TOTP(device.bin_key, device.step, device.t0, device.digits, drift).token() for drift in (-1, 0, 1, 2)}
    return next(f"{code:06d}" for code in range(10**6) if code not in near)


def secret_of(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


def is_verified_staff(client: Client) -> bool:
    """Whether this session passes the staff pages' gate (a bare queue request is enough to tell)."""
    response = client.get(QUEUE)
    return response.status_code == 200


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action))


# --- first sign-in: enrol an authenticator ---------------------------------------------------------------------


def test_the_first_sign_in_shows_a_qr_code_and_the_secret_to_enrol(rita: User) -> None:
    client = browser()
    response = enter_password(client, rita, next_url="/review/stats/")
    assert where(response) == (reverse("staff:enrol"), {"next": "/review/stats/"})
    page = client.get(response["Location"])
    device = unconfirmed_device(rita)
    assert page.status_code == 200
    assert re.search(r'<img class="qr" src="data:image/svg\+xml[^"]+"', text_of(page))
    shown = re.search(r'<code class="secret">([^<]+)</code>', text_of(page))
    assert shown is not None and shown.group(1).replace(" ", "") == secret_of(device)
    assert not is_verified_staff(client)


def test_a_wrong_enrolment_code_is_refused_with_a_message_and_confirms_nothing(rita: User) -> None:
    client = browser()
    client.get(where(enter_password(client, rita))[0])
    response = enter_code(client, "staff:enrol", wrong_code(unconfirmed_device(rita)))
    assert response.status_code == 200
    assert "That code is not right" in text_of(response)
    assert not TOTPDevice.objects.filter(user=rita, confirmed=True).exists()
    assert not is_verified_staff(client)
    assert events("staff.totp_enrolled") == []


def test_the_right_enrolment_code_confirms_the_device_and_lands_on_next(rita: User) -> None:
    client = browser()
    client.get(where(enter_password(client, rita, next_url="/review/stats/"))[0])
    device = unconfirmed_device(rita)
    response = enter_code(client, "staff:enrol", current_code(device), next_url="/review/stats/")
    assert where(response) == ("/review/stats/", {})
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert is_verified_staff(client)
    [event] = events("staff.totp_enrolled")
    assert (event.actor_kind, event.actor_id, event.ip) == ("staff", str(rita.pk), STAFF_IP)
    assert (event.target_type, event.target_id) == ("accounts.user", str(rita.pk))


def test_a_password_alone_never_adds_a_second_device(rita: User) -> None:
    """Once an authenticator is confirmed, someone who learns the password cannot enrol their own."""
    confirmed = totp_device(rita)
    client = browser()
    enter_password(client, rita)
    page = client.get(reverse("staff:enrol"))
    assert where(page)[0] == reverse("staff:verify")
    assert secret_of(confirmed) not in text_of(page)
    attempt = enter_code(client, "staff:enrol", "123456")
    assert where(attempt)[0] == reverse("staff:verify")
    assert list(TOTPDevice.objects.filter(user=rita)) == [confirmed]
    assert not is_verified_staff(client)
    assert events("staff.totp_enrolled") == []


# --- later sign-ins: the code ----------------------------------------------------------------------------------


def test_a_later_sign_in_asks_for_the_code_and_then_lands_on_next(rita: User) -> None:
    device = totp_device(rita)
    client = browser()
    response = enter_password(client, rita, next_url="/review/approvals/")
    assert where(response) == (reverse("staff:verify"), {"next": "/review/approvals/"})
    assert where(client.get(QUEUE)) == (reverse("staff:verify"), {"next": QUEUE})  # the password is not enough
    signed_in = enter_code(client, "staff:verify", current_code(device), next_url="/review/stats/")
    assert where(signed_in) == ("/review/stats/", {})
    assert is_verified_staff(client)
    assert TOTPDevice.objects.filter(user=rita).count() == 1
    [event] = events("staff.signed_in")
    assert (event.actor_kind, event.actor_id, event.ip) == ("staff", str(rita.pk), STAFF_IP)


def test_a_wrong_code_is_refused_with_a_message(rita: User) -> None:
    device = totp_device(rita)
    client = browser()
    enter_password(client, rita)
    response = enter_code(client, "staff:verify", wrong_code(device))
    assert response.status_code == 200 and "That code is not right" in text_of(response)
    assert not is_verified_staff(client)
    assert events("staff.signed_in") == []


def test_a_code_is_used_once(rita: User) -> None:
    device = totp_device(rita)
    code = current_code(device)
    first, second = browser(), browser()
    enter_password(first, rita)
    enter_password(second, rita)
    assert where(enter_code(first, "staff:verify", code))[0] == QUEUE
    assert enter_code(second, "staff:verify", code).status_code == 200
    assert not is_verified_staff(second)


@pytest.mark.parametrize("elsewhere", ["https://evil.example/", "//evil.example/review/", "http://evil.example"])
def test_next_pointing_off_site_is_ignored(rita: User, elsewhere: str) -> None:
    device = totp_device(rita)
    client = browser()
    assert where(enter_password(client, rita, next_url=elsewhere)) == (reverse("staff:verify"), {"next": QUEUE})
    assert where(enter_code(client, "staff:verify", current_code(device), next_url=elsewhere)) == (QUEUE, {})


def test_next_pointing_off_site_is_ignored_when_enrolling(rita: User) -> None:
    client = browser()
    assert where(enter_password(client, rita, next_url="https://evil.example/"))[1] == {"next": QUEUE}
    client.get(reverse("staff:enrol"))
    response = enter_code(client, "staff:enrol", current_code(unconfirmed_device(rita)), next_url="//evil.example")
    assert where(response) == (QUEUE, {})


def test_a_wrong_password_is_refused_on_the_form(rita: User) -> None:
    client = browser()
    response = enter_password(client, rita, password="not the password at all")
    assert response.status_code == 200
    assert "Please enter a correct" in text_of(response)
    assert "_auth_user_id" not in client.session


# --- signing out -----------------------------------------------------------------------------------------------


def test_signing_out_is_audited_and_ends_the_session(rita: User) -> None:
    device = totp_device(rita)
    client = browser()
    enter_password(client, rita)
    enter_code(client, "staff:verify", current_code(device))
    assert is_verified_staff(client)
    assert where(client.post(reverse("staff:logout"))) == (reverse("staff:login"), {})
    assert where(client.get(QUEUE)) == (reverse("staff:login"), {"next": QUEUE})
    [event] = events("staff.signed_out")
    assert (event.actor_kind, event.actor_id, event.ip) == ("staff", str(rita.pk), STAFF_IP)


def test_signing_out_is_post_only(rita: User) -> None:
    assert browser().get(reverse("staff:logout")).status_code == 405


# --- lockout ---------------------------------------------------------------------------------------------------


def fail_until_the_limit(client: Client, user: User) -> list[int]:
    return [
        enter_password(client, user, password=f"wrong guess {attempt}").status_code
        for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]


def test_after_the_failure_limit_even_the_right_password_is_refused(rita: User) -> None:
    totp_device(rita)
    client = browser()
    statuses = fail_until_the_limit(client, rita)
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    response = enter_password(client, rita)
    assert response.status_code == LOCKED_OUT
    assert "Too many attempts" in text_of(response)
    assert "_auth_user_id" not in client.session
    assert where(client.get(reverse("staff:verify"))) == (reverse("staff:login"), {"next": QUEUE})


def test_the_attempt_that_reaches_the_limit_already_shows_the_locked_out_page(rita: User) -> None:
    statuses = fail_until_the_limit(browser(), rita)
    assert statuses[-1] == LOCKED_OUT


def test_lockout_holds_one_account_at_one_address(rita: User, rex: User) -> None:
    """Locked: rita from this address. Not locked: rita from elsewhere, or rex from this address."""
    device = totp_device(rita)
    fail_until_the_limit(browser(), rita)
    elsewhere = browser(OTHER_IP)
    assert where(enter_password(elsewhere, rita))[0] == reverse("staff:verify")
    assert where(enter_code(elsewhere, "staff:verify", current_code(device)))[0] == QUEUE
    totp_device(rex)
    assert where(enter_password(browser(), rex))[0] == reverse("staff:verify")


def test_another_account_mistyped_at_the_same_address_gets_the_ordinary_form_error(rita: User, rex: User) -> None:
    fail_until_the_limit(browser(), rita)
    response = enter_password(browser(), rex, password="a typo in the passphrase")
    assert response.status_code == 200 and "Please enter a correct" in text_of(response)


# --- an appellant is never staff -------------------------------------------------------------------------------


@pytest.fixture
def appellant(sue: User) -> tuple[Client, World]:
    world = build_world(proposer=sue)
    client = browser()
    assert world.case.suspension is not None
    sign_in(client, world.case.suspension)
    return client, world


def test_an_appellant_session_is_sent_to_staff_sign_in_from_every_review_page(appellant: tuple[Client, World]) -> None:
    client, world = appellant
    assert client.get("/appeal/case/").status_code == 200  # the appellant session itself works
    for route in REVIEW_ROUTES:
        url = review_url(route, world)
        for method in RULES[route.name].answers:
            response = client.generic(method, url)
            assert (response.status_code, response["Location"]) == (302, login_redirect(url)), (route.id, method)


def test_an_appellant_session_cannot_skip_to_the_code_or_enrolment(appellant: tuple[Client, World]) -> None:
    client, _world = appellant
    assert where(client.get(reverse("staff:verify")))[0] == reverse("staff:login")
    assert where(client.get(reverse("staff:enrol")))[0] == reverse("staff:login")
    assert where(client.post(reverse("staff:enrol"), {"code": "123456"}))[0] == reverse("staff:login")
    assert not TOTPDevice.objects.exists()


def test_a_staff_session_is_not_an_appellant_session(rita: User) -> None:
    appeal = make_appeal()
    device = totp_device(rita)
    client = browser()
    enter_password(client, rita)
    enter_code(client, "staff:verify", current_code(device))
    assert where(client.get(f"/appeal/appeals/{appeal.reference}/"))[0] == reverse("appeal:find")
