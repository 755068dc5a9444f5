"""Who may open which staff page. Every route under the `review` and `staff` namespaces is found through the URL
resolver, so a page added later is checked too, and fails here until it says what it requires.

The helpers at the top (route discovery, the world the routes point into) are shared with test_sign_in.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import User
from appeals.choices import Category
from appeals.models import Appeal, Decision, Evidence, MisuseKind, MisuseMeasure, Outcome
from appeals.services import appeal_decide
from portal.notifications.models import Notification
from tests.appeals.test_appellant_pages import sign_in
from tests.conftest import staff_client, totp_device
from tests.factories import make_appeal, make_suspension

pytestmark = pytest.mark.django_db

NAMESPACES = ("review", "staff")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64

REVIEW = "appeals.review_appeal"
APPROVE = "appeals.approve_decision"
BULK = "appeals.bulk_decide"
MISUSE = "appeals.decide_misuse"


# --- the routes -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    namespace: str
    name: str
    arguments: tuple[str, ...]

    @property
    def id(self) -> str:
        return f"{self.namespace}:{self.name}"


def staff_routes() -> list[Route]:
    """Every named URL under the staff namespaces, as the resolver has them right now."""
    found: list[Route] = []

    def walk(patterns: list[URLPattern | URLResolver], namespace: str | None, arguments: tuple[str, ...]) -> None:
        for entry in patterns:
            names = tuple(entry.pattern.regex.groupindex)
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace, arguments + names)
            elif namespace in NAMESPACES and entry.name:
                found.append(Route(namespace, entry.name, arguments + names))

    walk(get_resolver().url_patterns, None, ())
    return found


REVIEW_ROUTES = [route for route in staff_routes() if route.namespace == "review"]
STAFF_ROUTES = [route for route in staff_routes() if route.namespace == "staff"]


@dataclass(frozen=True)
class World:
    """What the routes' arguments point at: an open appeal with a screenshot, and a sensitive reversal that sue
    (a senior) proposed, waiting for a second senior."""

    case: Appeal
    evidence: Evidence
    proposal: Decision
    sent: Notification
    block: MisuseMeasure

    def arguments(self, target: str) -> dict[str, object]:
        by_target: dict[str, dict[str, object]] = {
            "none": {},
            "case": {"reference": self.case.reference},
            "evidence": {"reference": self.case.reference, "pk": self.evidence.pk},
            "decision": {"pk": self.proposal.pk},
            "sent": {"reference": self.case.reference, "pk": self.sent.pk},
            "misuse": {"key": self.block.handle_key},
            "block": {"key": self.block.handle_key, "pk": self.block.pk},
            "download": {"fmt": "csv"},
        }
        return by_target[target]


def build_world(proposer: User) -> World:
    case = make_appeal(make_suspension("alice"), evidence=[SimpleUploadedFile("screenshot.png", PNG)])
    sensitive = make_appeal(make_suspension("bob", category=Category.RISK_FOR_PUBLIC_SECURITY))
    proposal = appeal_decide(
        appeal=sensitive, by=proposer, outcome=Outcome.OVERTURNED, reasons="Reporting, not support."
    )
    evidence = case.evidence.get()
    sent = Notification.objects.get(template="appeal_received", related_id=case.pk)
    # Written directly: reaching a block through the services takes five decided appeals, for every test here.
    block = MisuseMeasure.objects.create(
        handle="bob", kind=MisuseKind.BLOCK, reasons="Misuse.", unfounded_appeals=1, decided_appeals=1,
        decided_by=proposer, decided_at=timezone.now(), ends_at=timezone.now() + timedelta(days=30),
    )  # fmt: skip
    return World(case=case, evidence=evidence, proposal=proposal, sent=sent, block=block)


@dataclass(frozen=True)
class Rule:
    """What a review page requires, what its URL arguments name, and what someone allowed in gets for a bare
    request by each method it accepts (a bare POST to a form is refused with 400; every other method is 405).
    `also` names what one method needs on top of `perm`."""

    perm: str
    target: str = "none"
    answers: dict[str, int] = field(default_factory=lambda: {"GET": 200})
    also: dict[str, str] = field(default_factory=dict)

    def perms(self, method: str) -> list[str]:
        return [self.perm, *([self.also[method]] if method in self.also else [])]


POST_FORM = {"POST": 400}
POST_REDIRECT = {"POST": 302}
RULES: dict[str, Rule] = {
    "queue": Rule(REVIEW),
    "take_next": Rule(REVIEW, answers=POST_REDIRECT),
    "approvals": Rule(APPROVE, answers={"GET": 200, "POST": 400}, also={"POST": BULK}),
    "bulk": Rule(BULK, answers={"GET": 200, "POST": 400}),
    "stats": Rule(REVIEW),
    "transparency": Rule(REVIEW),
    "transparency_download": Rule(REVIEW, "download"),
    "case": Rule(REVIEW, "case"),
    "claim": Rule(REVIEW, "case", POST_REDIRECT),
    "release": Rule(REVIEW, "case", POST_REDIRECT),
    "request_info": Rule(REVIEW, "case", POST_FORM),
    "message": Rule(REVIEW, "case", POST_FORM),
    "decide": Rule(REVIEW, "case", POST_FORM),
    "escalate": Rule(REVIEW, "case", POST_FORM),
    "verify_identity": Rule(REVIEW, "case", POST_FORM),
    "evidence": Rule(REVIEW, "evidence"),
    "resend": Rule(REVIEW, "sent", POST_REDIRECT),
    "approve": Rule(APPROVE, "decision", POST_REDIRECT),
    "send_back": Rule(APPROVE, "decision", POST_FORM),
    "misuse": Rule(MISUSE),
    "misuse_person": Rule(MISUSE, "misuse"),
    "misuse_warn": Rule(MISUSE, "misuse", POST_FORM),
    "misuse_block": Rule(MISUSE, "misuse", POST_FORM),
    "misuse_dismiss": Rule(MISUSE, "misuse", POST_FORM),
    "misuse_lift": Rule(MISUSE, "block", POST_FORM),
}


def review_url(route: Route, world: World) -> str:
    if route.name not in RULES:
        pytest.fail(f"{route.id} has no entry in RULES: say what it requires")
    rule = RULES[route.name]
    arguments = world.arguments(rule.target)
    assert set(arguments) == set(route.arguments), f"{route.id} takes {route.arguments}; RULES gives {arguments}"
    return reverse(route.id, kwargs=arguments)


def ask(client: Client, method: str, url: str) -> HttpResponseBase:
    return client.generic(method, url)


def login_redirect(url: str) -> str:
    return f"{reverse('staff:login')}?{urlencode({'next': url})}"


def code_redirect(url: str) -> str:
    return f"{reverse('staff:verify')}?{urlencode({'next': url})}"


@pytest.fixture(autouse=True)
def _quick_passwords(settings: Any) -> None:
    """Nobody types a password in these tests; hashing the personas' with Argon2 would only make them slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- who is asking ----------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """The appellant sign-in is rate limited through the cache; no test inherits another's counters."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(sue: User) -> World:
    return build_world(proposer=sue)


def appellant_client(world: World) -> Client:
    """Alice, signed in to her own case through the address on file: a real appellant session."""
    client = Client()
    assert world.case.suspension is not None
    sign_in(client, world.case.suspension)
    return client


def password_only_client(user: User) -> Client:
    """Signed in with the password, with an authenticator enrolled, but no code entered in this session."""
    totp_device(user)
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


@dataclass
class Persona:
    client: Client
    user: User | None  # None: not signed in as staff
    verified: bool


PERSONAS = ["anonymous", "appellant", "password_only", "rita", "sam", "ada"]


@pytest.fixture
def persona(request: pytest.FixtureRequest, world: World) -> Persona:
    name: str = request.param
    if name == "anonymous":
        return Persona(Client(), None, verified=False)
    if name == "appellant":
        return Persona(appellant_client(world), None, verified=False)
    if name == "password_only":
        rex: User = request.getfixturevalue("rex")
        return Persona(password_only_client(rex), rex, verified=False)
    user: User = request.getfixturevalue(name)
    return Persona(staff_client(user), user, verified=True)


# --- every review route has a rule -----------------------------------------------------------------------------


def test_every_review_route_says_what_it_requires() -> None:
    missing = sorted(route.name for route in REVIEW_ROUTES if route.name not in RULES)
    assert missing == [], f"add these review URL names to RULES in {__name__}: {missing}"


def test_every_staff_route_has_expectations() -> None:
    missing = sorted(route.name for route in STAFF_ROUTES if route.name not in STAFF_PAGES)
    assert missing == [], f"add these staff URL names to STAFF_PAGES in {__name__}: {missing}"


def test_the_resolver_finds_the_pages_everyone_knows() -> None:
    names = {route.id for route in REVIEW_ROUTES + STAFF_ROUTES}
    assert {"review:queue", "review:case", "review:decide", "review:approve", "staff:login", "staff:verify"} <= names


# --- the matrix over the review routes -------------------------------------------------------------------------


def expected_answer(persona: Persona, route: Route, method: str, url: str) -> tuple[int, str | None]:
    rule = RULES[route.name]
    if persona.user is None:
        return 302, login_redirect(url)
    if not persona.verified:
        return 302, code_redirect(url)
    if not persona.user.has_perms(rule.perms(method)):
        return 403, None
    return rule.answers[method], None


def outcome(response: HttpResponseBase, *, with_location: bool) -> tuple[int, str | None]:
    return response.status_code, same_form(response["Location"]) if with_location else None


def same_form(url: str) -> str:
    """A URL with its query decoded and re-encoded one way, since Django's redirect helpers quote `/` differently."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(query=urlencode(parse_qsl(parts.query))))


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("route", REVIEW_ROUTES, ids=lambda route: route.id)
def test_each_review_route_answers_each_persona_exactly(persona: Persona, route: Route, world: World) -> None:
    url = review_url(route, world)
    for method in RULES[route.name].answers:
        expected = expected_answer(persona, route, method, url)
        response = ask(persona.client, method, url)
        assert outcome(response, with_location=expected[0] == 302 and expected[1] is not None) == expected, method


@pytest.mark.parametrize("route", REVIEW_ROUTES, ids=lambda route: route.id)
def test_methods_a_review_route_does_not_take_are_refused_with_405(route: Route, world: World, sam: User) -> None:
    """Asked by a senior, who holds every permission the review pages need, so the 405 is about the method."""
    url, rule = review_url(route, world), RULES[route.name]
    assert sam.has_perms(rule.perms("GET") + rule.perms("POST"))
    for method in sorted({"GET", "POST"} - set(rule.answers)):
        assert ask(staff_client(sam), method, url).status_code == 405, method


# --- the sign-in pages -----------------------------------------------------------------------------------------

Answer = tuple[int, str | None]
SIGNED_OUT_TO_LOGIN: Answer = (302, login_redirect(reverse("review:queue")))
TO_CODE = code_redirect(reverse("review:queue"))
STAFF_PAGES: dict[str, dict[str, Callable[[Persona], Answer]]] = {
    # Anyone may see the sign-in form.
    "login": {"GET": lambda persona: (200, None)},
    # The code step needs the password step first; anyone past it with a device is asked for the code.
    "verify": {"GET": lambda persona: (200, None) if persona.user else SIGNED_OUT_TO_LOGIN},
    # Enrolment is for accounts without an authenticator; every staff persona here has one.
    "enrol": {"GET": lambda persona: (302, TO_CODE) if persona.user else SIGNED_OUT_TO_LOGIN},
    "logout": {"POST": lambda persona: (302, reverse("staff:login")), "GET": lambda persona: (405, None)},
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize("route", STAFF_ROUTES, ids=lambda route: route.id)
def test_each_sign_in_page_answers_each_persona_exactly(persona: Persona, route: Route) -> None:
    url = reverse(route.id)
    for method, expect in STAFF_PAGES[route.name].items():
        expected = expect(persona)
        response = ask(persona.client, method, url)
        assert outcome(response, with_location=expected[1] is not None) == expected, method


# --- the admin site --------------------------------------------------------------------------------------------


def admin_answer(client: Client) -> tuple[list[str], int]:
    """Where the admin index sends this visitor, and the status of the page they end on."""
    response = client.get("/admin/", follow=True)
    return [url for url, _status in response.redirect_chain], response.status_code


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("ada", ([], 200)),
        ("rita", (["/admin/login/?next=/admin/"], 403)),
        ("sam", (["/admin/login/?next=/admin/"], 403)),
        ("anonymous", (["/admin/login/?next=/admin/", "/review/login/?next=%2Fadmin%2F"], 200)),
        ("appellant", (["/admin/login/?next=/admin/", "/review/login/?next=%2Fadmin%2F"], 200)),
    ],
    indirect=["persona"],
)
def test_only_a_verified_administrator_gets_into_admin(persona: Persona, expected: tuple[list[str], int]) -> None:
    assert admin_answer(persona.client) == expected


def test_an_administrator_without_the_code_is_sent_to_staff_sign_in_not_into_admin(ada: User) -> None:
    assert admin_answer(password_only_client(ada)) == (
        ["/admin/login/?next=/admin/", "/review/login/?next=%2Fadmin%2F"],
        200,
    )
