"""Who may open what: every URL pattern the resolver knows, asked for by every kind of visitor, with every method.

ACCESS below is the one table of who may read (GET) and who may write (POST, PUT, PATCH, DELETE) each pattern. The
walk fills each pattern's parameters from appellant B's own case (B's appeal, evidence, notice, decision, message),
so "appellant A asks for B's thing" is what every appellant row tests. A pattern with no row fails the suite: a new
view cannot be added without deciding who may see it.

"May" means the answer is not a refusal; a refusal is 401, 403, 404, 405, or a redirect to a sign-in page. Every
request runs in a savepoint that is rolled back afterwards, so each one meets the same world; a refused write must
also leave the database as it found it, and a visitor who is not B must never read any of B's distinctive strings.
"""

import re
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role
from appeals.misuse import misuse_warning_issue
from appeals.models import (
    Appeal,
    Decision,
    Evidence,
    Message,
    MisuseMeasure,
    Notice,
    Outcome,
    ReasonTemplate,
    Suspension,
    Wave,
)
from appeals.services import appeal_claim, appeal_decide, appeal_message_post
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.integrations.models import ApiKey, WebhookEndpoint
from portal.integrations.services import webhook_endpoint_register
from portal.notifications.models import Notification
from portal.notifications.tasks import deliver_notification
from tests.appeals.test_appellant_pages import sign_in, sign_in_from_new_address, upload
from tests.conftest import staff_client
from tests.factories import make_api_key, make_appeal, make_staff, make_suspension

pytestmark = pytest.mark.django_db

# --- who asks -----------------------------------------------------------------------------------------------------

ANONYMOUS = "anonymous"
APPELLANT_A = "appellant A"
APPELLANT_B = "appellant B"
IMPOSTOR = "stranger naming B's handle"  # signed in on the lost-address path with their own address
NO_CODE = "reviewer without code"  # password accepted, TOTP code not yet entered
REVIEWER = "reviewer"
SENIOR = "senior reviewer"
ADMIN = "administrator"
SUSPENSIONS_KEY = "key suspensions:write"
APPEALS_KEY = "key appeals:read"
WEBHOOKS_KEY = "key webhooks:manage"
IDENTITIES = [ANONYMOUS, APPELLANT_A, APPELLANT_B, IMPOSTOR, NO_CODE, REVIEWER, SENIOR, ADMIN]
KEYS = {SUSPENSIONS_KEY: "suspensions:write", APPEALS_KEY: "appeals:read", WEBHOOKS_KEY: "webhooks:manage"}
EVERY_IDENTITY = [*IDENTITIES, *KEYS]

EVERYONE = frozenset(EVERY_IDENTITY)
NOBODY: frozenset[str] = frozenset()
OWNER = frozenset({APPELLANT_B})
APPELLANTS = frozenset({APPELLANT_A, APPELLANT_B})
REVIEWERS = frozenset({REVIEWER, SENIOR})
SENIORS = frozenset({SENIOR})
ADMINS = frozenset({ADMIN})


@dataclass(frozen=True)
class Access:
    read: AbstractSet[str] = NOBODY
    write: AbstractSet[str] = NOBODY


# --- who may do what ----------------------------------------------------------------------------------------------

EVERY_APPEAL_READER = REVIEWERS | {APPEALS_KEY}  # reading suspensions, appeals, decisions
ACCESS: dict[str, Access] = {
    # The public appellant pages. Anyone may ask for a link; holding one is what signing in means.
    "/": Access(read=EVERYONE, write=EVERYONE),  # a redirect to the start page, whatever the method
    "appeal:start": Access(read=EVERYONE),
    "appeal:find": Access(read=EVERYONE, write=EVERYONE),
    "appeal:find_sent": Access(read=EVERYONE),
    "appeal:lost_address": Access(read=EVERYONE, write=EVERYONE),
    "appeal:lost_address_sent": Access(read=EVERYONE),
    "appeal:sign_in": Access(read=EVERYONE, write=EVERYONE),  # an unknown link: 410 for anyone
    "appeal:sign_out": Access(write=EVERYONE),
    # A signed-in appellant's own case; B's appeal, its evidence and its decision are B's alone.
    "appeal:case": Access(read=APPELLANTS | {IMPOSTOR}),
    "appeal:file": Access(read=APPELLANTS | {IMPOSTOR}, write=APPELLANTS | {IMPOSTOR}),
    "appeal:inbox": Access(read=APPELLANTS | {IMPOSTOR}),
    "appeal:status": Access(read=OWNER),
    "appeal:filed": Access(read=OWNER),
    "appeal:reply": Access(write=OWNER),
    "appeal:withdraw": Access(read=OWNER, write=OWNER),
    "appeal:decision": Access(read=OWNER),
    "appeal:evidence": Access(read=OWNER),
    # Public pages (transparency report, DSA Art. 24; health for the load balancer) and the API's description.
    "transparency:latest": Access(read=EVERYONE),
    "transparency:period": Access(read=EVERYONE),
    "health": Access(read=EVERYONE),
    "api-schema": Access(read=EVERYONE),
    "api-docs": Access(read=EVERYONE),
    "set_language": Access(read=EVERYONE, write=EVERYONE),
    # Staff sign-in. Without a TOTP device yet, the code step sends a reviewer on to set one up.
    "staff:login": Access(read=EVERYONE, write=EVERYONE),
    "staff:verify": Access(read=REVIEWERS | ADMINS, write=REVIEWERS | ADMINS),
    "staff:enrol": Access(read={NO_CODE}, write={NO_CODE}),
    "staff:logout": Access(write=EVERYONE),
    # The dashboard: reviewers (password and TOTP). Administrators run the site, not the queue.
    "review:queue": Access(read=REVIEWERS),
    "review:take_next": Access(write=REVIEWERS),
    "review:stats": Access(read=REVIEWERS),
    "review:transparency": Access(read=REVIEWERS),
    "review:transparency_download": Access(read=REVIEWERS),
    "review:case": Access(read=REVIEWERS),
    "review:evidence": Access(read=REVIEWERS),
    **{
        f"review:{action}": Access(write=REVIEWERS)
        for action in ["claim", "release", "request_info", "message", "decide", "escalate", "verify_identity", "resend"]
    },
    # Senior reviewers: approvals (four eyes), bulk decisions, misuse measures (DSA Art. 23).
    "review:approvals": Access(read=SENIORS, write=SENIORS),
    "review:bulk": Access(read=SENIORS, write=SENIORS),
    "review:approve": Access(write=SENIORS),
    "review:send_back": Access(write=SENIORS),
    "review:misuse": Access(read=SENIORS),
    "review:misuse_person": Access(read=SENIORS),
    "review:misuse_warn": Access(write=SENIORS),
    "review:misuse_block": Access(write=SENIORS),
    "review:misuse_dismiss": Access(write=SENIORS),
    "review:misuse_lift": Access(write=SENIORS),
    # The platform's API: each key its scope; staff sessions read what reviewers may see and never write.
    "suspension-list": Access(read=EVERY_APPEAL_READER, write={SUSPENSIONS_KEY}),
    "suspension-detail": Access(read=EVERY_APPEAL_READER),
    "suspension-sor": Access(read=EVERY_APPEAL_READER),
    "suspension-notices": Access(read=EVERY_APPEAL_READER, write={SUSPENSIONS_KEY}),
    "suspension-notice": Access(write={SUSPENSIONS_KEY}),
    "appeal-list": Access(read=EVERY_APPEAL_READER),
    "appeal-detail": Access(read=EVERY_APPEAL_READER),
    "webhook-list": Access(read=REVIEWERS | {WEBHOOKS_KEY}, write={WEBHOOKS_KEY}),
    "webhook-detail": Access(read=REVIEWERS | {WEBHOOKS_KEY}, write={WEBHOOKS_KEY}),
    "webhook-deliveries": Access(read=REVIEWERS | {WEBHOOKS_KEY}),
    "/api/^": Access(),  # anything else under /api/: a JSON 404
    # The mail provider's delivery reports need its basic-auth secret, which none of these holds.
    "notifications:provider_events": Access(),
    # Django admin: administrators only; the rows per model are ADMIN_MODELS below.
    "admin:index": Access(read=ADMINS, write=ADMINS),
    "admin:app_list": Access(read=ADMINS, write=ADMINS),
    "admin:login": Access(),  # sends everyone to the staff sign-in, and refuses a second form to the signed-in
    "admin:logout": Access(read=EVERYONE - ADMINS, write=EVERYONE),  # GET: 405, or a redirect to admin's index
    "admin:password_change": Access(read=ADMINS, write=ADMINS),
    "admin:password_change_done": Access(read=ADMINS),
    "admin:jsi18n": Access(read=ADMINS),
    "admin:autocomplete": Access(),  # no model admin here offers autocompletion: 403 for all
    "admin:view_on_site": Access(),  # no model here has a page on the site: 404 for all
    "/admin/(?P<url>.*)$": Access(),
    "admin:auth_user_password_change": Access(read=ADMINS, write=ADMINS),
    "admin:integrations_apikey_revoke": Access(read=ADMINS, write=ADMINS),
    "admin:integrations_webhookendpoint_rotate_secret": Access(read=ADMINS, write=ADMINS),
    "admin:integrations_webhookendpoint_disable": Access(read=ADMINS, write=ADMINS),
    "admin:integrations_webhookendpoint_enable": Access(read=ADMINS, write=ADMINS),
    "admin:otp_totp_totpdevice_config": Access(),
    "admin:otp_totp_totpdevice_qrcode": Access(),
}

# What administrators may do with each model in admin (accounts/roles.py); nobody else enters admin at all.
ADMIN_MODELS: dict[str, set[str]] = {
    "auth.group": {"view"},
    "accounts.user": {"view", "add", "change"},
    "audit.auditevent": {"view"},
    "notifications.notification": {"view"},
    "integrations.integration": {"view", "add", "change"},
    "integrations.apikey": {"view", "add"},  # a key is revoked by its own button, never edited
    "integrations.webhookendpoint": {"view", "add"},  # disabled, enabled, rotated by their own buttons
    "integrations.webhookdelivery": {"view"},
    **{f"appeals.{name}": {"view"} for name in ["wave", "suspension", "notice", "appeal", "decision", "message"]},
    "appeals.evidence": {"view"},
    "appeals.misusemeasure": {"view"},
    "appeals.reasontemplate": {"view", "add", "change", "delete"},
    # Library models: the tasks queue, TOTP devices and sign-in attempts are nobody's to browse.
    "django_tasks_database.dbtaskresult": set(),
    "otp_totp.totpdevice": set(),
    "axes.accessattempt": set(),
    "axes.accesslog": set(),
    "axes.accessfailurelog": set(),
}


def admin_model_rows(label: str, perms: set[str]) -> dict[str, Access]:
    """Django admin's pages for one model: changelist and history need view, add/change/delete their own. The
    bare object URL only redirects to the change page, so it answers any administrator."""
    app_label, model_name = label.split(".")

    def who(needed: str) -> frozenset[str]:
        return ADMINS if needed in perms else NOBODY

    return {
        f"admin:{app_label}_{model_name}_changelist": Access(read=who("view"), write=who("view")),
        f"admin:{app_label}_{model_name}_history": Access(read=who("view"), write=who("view")),
        f"admin:{app_label}_{model_name}_add": Access(read=who("add"), write=who("add")),
        f"admin:{app_label}_{model_name}_change": Access(read=who("view"), write=who("change")),
        f"admin:{app_label}_{model_name}_delete": Access(read=who("delete"), write=who("delete")),
        f"/admin/{app_label}/{model_name}/<path:object_id>/": Access(read=ADMINS, write=ADMINS),
    }


for _label, _perms in ADMIN_MODELS.items():
    ACCESS.update(admin_model_rows(_label, _perms))

# --- the world: appellant B's case, and the people and keys that ask for it ----------------------------------------

B_STATEMENT = "Bertha's statement: the clip was archive footage from a 1998 documentary."
B_EVIDENCE = b"Bertha's evidence file: broadcast log 1998-04-17, channel 3, slot 21:40.\n"
B_MESSAGE = "Bertha, could you send the broadcaster's licence for the clip?"
B_DECISION = "Bertha's reasons: the clip is a documentary excerpt, the suspension stays for the caption."
B_EMAIL = "bertha.b@b-mail.example"
B_HANDLE = "bertha_b_1998"
INTERNAL_NOTE = "Internal only: Bertha's handle matched the wave rule by its number."
# Well-formed, so it reaches the database, but matching no link.
UNKNOWN_TOKEN = "A" * 24 + "." + "0" * 32


@dataclass
class World:
    appeal: Appeal
    suspension: Suspension
    decision: Decision
    evidence: Evidence
    message: Message
    notice: Notice
    notification: Notification
    endpoint: WebhookEndpoint
    reviewer: User
    clients: dict[str, Client] = field(default_factory=dict)


def build_world() -> World:
    rita = make_staff("rita", Role.REVIEWER)
    sam = make_staff("sam", Role.SENIOR_REVIEWER)
    ada = make_staff("ada", Role.ADMINISTRATOR)
    keys = {name: make_api_key(scope) for name, scope in KEYS.items()}
    endpoint = webhook_endpoint_register(
        actor=Actor.system("tests"), integration=keys[WEBHOOKS_KEY][0].integration, url="https://hooks.example"
    )
    alice = make_appeal(make_suspension("alice_a"), statement="Alice's own statement.")
    appeal_decide(appeal=alice, by=rita, outcome=Outcome.OVERTURNED, reasons="Alice was right.")  # a webhook
    suspension = make_suspension(
        B_HANDLE, account_email=B_EMAIL, wave=Wave.objects.create(key="2026-11", name="November sweep")
    )
    appeal = make_appeal(suspension, statement=B_STATEMENT, evidence=[upload("broadcast-log.txt", B_EVIDENCE)])
    appeal_claim(appeal=appeal, by=rita)
    message = appeal_message_post(appeal=appeal, by=rita, body=B_MESSAGE, internal=False)
    appeal_message_post(appeal=appeal, by=rita, body=INTERNAL_NOTE, internal=True)
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons=B_DECISION, manifestly_unfounded=True)
    # One manifestly unfounded appeal is enough for a warning here, so the misuse pages have B's record to show.
    misuse_warning_issue(handle_key=suspension.handle_key, by=sam, reasons="Bertha's appeals keep repeating.")
    ReasonTemplate.objects.create(title="Upheld", outcome=Outcome.UPHELD, body="The rules apply.")
    deliver_notification.enqueue(Notification.objects.latest("id").pk)  # a row in the tasks table
    Client().post("/review/login/", {"username": "nobody@recourse.test", "password": "wrong"})  # sign-in attempts
    world = World(
        appeal=appeal,
        suspension=suspension,
        decision=appeal.decisions.get(),
        evidence=appeal.evidence.get(),
        message=message,
        notice=suspension.notices.get(),
        notification=Notification.objects.filter(recipient_email=B_EMAIL).latest("id"),
        endpoint=endpoint,
        reviewer=rita,
    )
    world.clients = clients(world, ada, rita, sam, keys)
    return world


def clients(world: World, ada: User, rita: User, sam: User, keys: dict[str, tuple[ApiKey, str]]) -> dict[str, Client]:
    no_code, impostor = Client(), Client()
    no_code.force_login(make_staff("nora", Role.REVIEWER), backend="django.contrib.auth.backends.ModelBackend")
    sign_in_from_new_address(impostor, B_HANDLE, "not.bertha@elsewhere.example")
    every = {
        ANONYMOUS: Client(),
        APPELLANT_A: appellant_client(Suspension.objects.get(handle="alice_a")),
        APPELLANT_B: appellant_client(world.suspension),
        IMPOSTOR: impostor,
        NO_CODE: no_code,
        REVIEWER: staff_client(rita),
        SENIOR: staff_client(sam),
        ADMIN: staff_client(ada),
        **{name: Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}") for name, (_key, plaintext) in keys.items()},
    }
    for client in every.values():
        client.raise_request_exception = False  # a 500 is reported with the rest, not raised half-way
    return every


def appellant_client(suspension: Suspension) -> Client:
    client = Client()
    sign_in(client, suspension)
    return client


# --- walking the resolver -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pattern:
    key: str  # the namespaced name, or "/" and the route for the few patterns without one
    route: str


def url_patterns(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Pattern]:
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from url_patterns(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            route = prefix + str(entry.pattern)
            yield Pattern(f"{namespace}{entry.name}" if entry.name else f"/{route}", route)


PLACEHOLDER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")


def concrete_path(pattern: Pattern, world: World) -> str:
    values = parameters(pattern, world)
    path = PLACEHOLDER.sub(lambda match: str(values[match[1] or match[2]]), pattern.route)
    return "/" + path.replace("^", "").replace("$", "").replace("\\", "")


def parameters(pattern: Pattern, world: World) -> dict[str, Any]:
    """B's objects wherever a pattern names one, so every refusal shown here is a refusal of B's data."""
    by_pattern = {
        "appeal:evidence": world.evidence.pk,
        "review:evidence": world.evidence.pk,
        "review:resend": world.notification.pk,
        "review:approve": world.decision.pk,
        "review:send_back": world.decision.pk,
        "appeal-detail": world.appeal.pk,
        "webhook-detail": world.endpoint.pk,
        "webhook-deliveries": world.endpoint.pk,
    }
    pk = by_pattern.get(pattern.key, world.appeal.suspension_id)
    if pattern.key.startswith("admin:otp_totp"):
        pk = TOTPDevice.objects.values_list("pk", flat=True).first()
    if pattern.key == "review:misuse_lift":
        pk = (
            MisuseMeasure.objects.filter(handle_key=world.suspension.handle_key).values_list("pk", flat=True).first()
            or 0
        )
    return {
        "reference": world.appeal.reference,
        "key": world.suspension.handle_key,
        "pk": pk,
        "notice_id": world.notice.pk,
        "token": UNKNOWN_TOKEN,
        "provider": "mailgun",
        "app_label": "appeals",
        "fmt": "csv",
        "year": timezone.now().year - 1,  # last year's second half: always a period that has ended
        "half": 2,
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(Appeal).pk,
        "object_id": admin_object_id(pattern, world),
        "id": world.reviewer.pk,
    }


# The World attribute that holds B's row of each appeals model.
B_OBJECTS = {name: name for name in ["suspension", "appeal", "decision", "evidence", "message", "notice"]}


def admin_object_id(pattern: Pattern, world: World) -> object:
    """B's own row for the appeals models; otherwise any row of the model (0 where the model has none)."""
    model = next(
        (
            model
            for model in admin.site._registry
            if pattern.route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/")
        ),
        None,
    )
    if model is None:  # admin/r/<content_type_id>/<object_id>/: "view on site" for B's appeal
        return world.appeal.pk
    if model._meta.app_label == "appeals" and model._meta.model_name in B_OBJECTS:
        return getattr(world, B_OBJECTS[model._meta.model_name]).pk
    return model._default_manager.values_list("pk", flat=True).first() or 0


# --- what counts as a refusal, and what must not change -----------------------------------------------------------

REFUSALS = {HTTPStatus.UNAUTHORIZED, HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND, HTTPStatus.METHOD_NOT_ALLOWED}
# Where a page sends a visitor it does not serve: staff pages and admin ask for a sign-in and say where to go back to
# (signing out also ends on the sign-in page, but without that); appellant pages ask to find the case first.
STAFF_SIGN_IN = {"/review/login/", "/review/login/code/", "/review/login/setup/", "/admin/login/"}
UNSAFE = ["post", "put", "patch", "delete"]


def refused(response: HttpResponseBase) -> bool:
    if response.status_code in REFUSALS:
        return True
    if response.status_code != HTTPStatus.FOUND:
        return False
    location = urlsplit(response["Location"])
    return (location.path in STAFF_SIGN_IN and "next=" in location.query) or location.path == "/appeal/find/"


def body_of(response: HttpResponseBase) -> bytes:
    if response.streaming:
        # The test client closes a streamed response once it is read through; closing it again would fire
        # request_finished, which closes the database connection (PostgreSQL) inside the test's transaction.
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return response.content  # type: ignore[attr-defined]


def state() -> tuple[object, ...]:
    """What a write that was refused must leave as it was. Every service appends to the audit trail."""
    return (
        AuditEvent.objects.count(),
        Notification.objects.count(),
        Message.objects.count(),
        Evidence.objects.count(),
        list(Appeal.objects.values_list("pk", "status", "assigned_to_id").order_by("pk")),
        list(Decision.objects.values_list("pk", "state").order_by("pk")),
        list(WebhookEndpoint.objects.values_list("pk", "active").order_by("pk")),
        list(ApiKey.objects.values_list("pk", "revoked_at").order_by("pk")),
        list(User.objects.values_list("pk", "is_active", "is_staff").order_by("pk")),
        ReasonTemplate.objects.count(),
    )


def secrets_hidden_from(identity: str) -> list[bytes]:
    """B's distinctive strings, raw and as a template or JSON would escape them, that this identity must not read."""
    if identity in REVIEWERS | ADMINS:
        return []
    texts = [INTERNAL_NOTE]
    if identity not in {APPELLANT_B, APPEALS_KEY}:
        texts += [B_STATEMENT, B_EVIDENCE.decode().strip(), B_MESSAGE, B_DECISION, B_EMAIL]
    if identity not in {APPELLANT_B, APPEALS_KEY, IMPOSTOR}:  # the stranger typed B's handle in themselves
        texts.append(B_HANDLE)
    escaped = [text.replace("'", "&#x27;") for text in texts] + [text.replace("'", "\\u0027") for text in texts]
    return sorted({text.encode() for text in texts + escaped})


@dataclass
class Answer:
    method: str
    status: int
    refused: bool
    changed: bool
    leaked: list[bytes]


def ask(client: Client, method: str, path: str, api: bool, baseline: tuple[object, ...], hidden: list[bytes]) -> Answer:
    """One request in a savepoint that is rolled back, with the session cookie kept as it was before it. A write
    that was refused, and a PUT, PATCH or DELETE outside the API, must also have changed nothing."""
    cookies = client.cookies
    client.cookies = type(cookies)(cookies)
    with transaction.atomic():
        if method == "get":
            response = client.get(path)
        else:
            response = getattr(client, method)(path, data={}, content_type="application/json")
        content = body_of(response)
        watched = method != "get" and (refused(response) or (method != "post" and not api))
        changed = watched and state() != baseline
        transaction.set_rollback(True)
    client.cookies = cookies
    leaked = [secret for secret in hidden if secret in content]
    return Answer(method, response.status_code, refused(response), changed, leaked)


def walk(identity: str, world: World) -> dict[str, tuple[bool, bool, list[str]]]:
    """For every pattern: may this identity read it, may it write it, and what went wrong on the way. Pages write
    with POST; PUT, PATCH and DELETE count as writes only on the API (admin pages answer them as a GET would), and
    elsewhere must change nothing for anyone."""
    client = world.clients[identity]
    baseline = state()
    hidden = secrets_hidden_from(identity)
    seen = {}
    for pattern in url_patterns():
        path = concrete_path(pattern, world)
        problems = []
        if resolve(path).route.replace("^", "") != pattern.route.replace("^", ""):
            problems.append(f"{path} resolves to {resolve(path).route}, not {pattern.route}")
        api = pattern.route.startswith("api/")
        answers = [ask(client, method, path, api, baseline, hidden) for method in ["get", *UNSAFE]]
        problems += [
            f"{answer.method.upper()} {path}: {answer.status}, changed={answer.changed}, leaked={answer.leaked}"
            for answer in answers
            if answer.status >= 500 or answer.changed or answer.leaked
        ]
        writes = [answer for answer in answers[1:] if api or answer.method == "post"]
        seen[pattern.key] = (not answers[0].refused, any(not answer.refused for answer in writes), problems)
    return seen


# --- the tests ----------------------------------------------------------------------------------------------------


def test_every_url_pattern_has_a_row_in_the_table() -> None:
    keys = {pattern.key for pattern in url_patterns()}
    assert sorted(keys - ACCESS.keys()) == [], "URL patterns nobody decided access for"
    assert sorted(ACCESS.keys() - keys) == [], "rows for URL patterns that no longer exist"


@pytest.mark.parametrize("identity", EVERY_IDENTITY)
def test_each_identity_reads_and_writes_exactly_what_the_table_allows(identity: str, roles, settings) -> None:
    settings.API_RATE_LIMIT = "100000/min"
    settings.APPELLANT_LINK_RATE_LIMITS = {"ip": 100000, "handle": 100000}
    settings.ANYMAIL = {"WEBHOOK_SECRET": "provider:reports-secret"}
    settings.MISUSE_WARNING_AFTER = 1
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True  # so each axes table has a row to ask for
    world = build_world()
    wrong = []
    for key, (read_ok, write_ok, problems) in walk(identity, world).items():
        access = ACCESS.get(key, Access())
        if read_ok != (identity in access.read):
            wrong.append(f"{key}: {identity} {'may' if read_ok else 'may not'} read it")
        if write_ok != (identity in access.write):
            wrong.append(f"{key}: {identity} {'may' if write_ok else 'may not'} write it")
        wrong += [f"{key}: {problem}" for problem in problems]
    assert wrong == []


# The mail provider's reports carry no cookie and no form: its secret authenticates them.
CSRF_EXEMPT = {"notifications:provider_events"}


@pytest.mark.parametrize("identity", [APPELLANT_B, SENIOR, ADMIN])
def test_every_page_refuses_a_post_without_its_csrf_token(identity: str, roles, settings) -> None:
    settings.MISUSE_WARNING_AFTER = 1
    settings.AXES_ENABLE_ACCESS_FAILURE_LOG = True
    world = build_world()
    client = world.clients[identity]
    client.handler.enforce_csrf_checks = True
    baseline = state()
    accepted = []
    for pattern in (pattern for pattern in url_patterns() if pattern.key not in CSRF_EXEMPT):
        response = client.post(concrete_path(pattern, world), {"reasons": "x"})
        # A session never writes through the API (writes take a key): any refusal will do there.
        api = pattern.route.startswith("api/")
        if not (response.status_code == HTTPStatus.FORBIDDEN or (api and refused(response))):
            accepted.append(f"{pattern.key}: {response.status_code}")
    assert accepted == []
    assert state() == baseline
