"""Markup in every text field that the platform, an appellant or staff can fill is shown as text on every page
and in every email that shows it: the appellant's pages, the dashboard, the admin and the HTML bodies of emails."""

from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from appeals.models import Appeal, Outcome, ReasonTemplate, Suspension
from appeals.services import appeal_claim, appeal_decide, appeal_message_post, appeal_request_info
from portal.integrations.models import Scope
from portal.notifications.models import Notification
from portal.notifications.rendering import render_notification
from tests.appeals.test_appellant_pages import signed_in, text_of
from tests.conftest import staff_client
from tests.factories import make_api_key

pytestmark = pytest.mark.django_db

# Each opens a way to run script if it reached a page unescaped; an attribute payload and a URL one besides.
PAYLOAD = "<script>alert(1)</script>\"><img src=x onerror=alert(2)>'><svg onload=alert(3)>javascript:alert(4)"
RAW_MARKERS = ["<script>alert", "<img src=x", "<svg onload", 'href="javascript:', "href='javascript:"]
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
# An address may quote markup in its local part and still be valid (RFC 5321), so the platform can send one.
HOSTILE_EMAIL = '"<script>alert(1)</script>"@example.org'


def assert_escaped(html: str, where: str, *, shown: bool = True) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"{where} shows {marker!r} unescaped"
    if shown:
        assert ESCAPED in html, f"{where} does not show the hostile text at all"


def ingest_hostile_statement() -> Suspension:
    _key, plaintext = make_api_key(*Scope.values)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    text_fields = [
        "incompatible_content_ground",
        "incompatible_content_explanation",
        "decision_facts",
        "source_identity",
        "detection_rule",
        "content_description",
    ]
    statement: dict[str, Any] = {
        "puid": "xss-1",
        "handle": PAYLOAD[:200],
        "account_email": HOSTILE_EMAIL,
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "application_date": (timezone.now() - timedelta(days=2)).date().isoformat(),
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "No",
        "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
        **{name: PAYLOAD for name in text_fields},
    }
    response = api.post("/api/v1/suspensions/", statement, format="json")
    assert response.status_code in (200, 201), response.content
    return Suspension.objects.get(puid="xss-1")


@pytest.fixture
def hostile_world(rita: User) -> tuple[Client, Appeal]:
    """A case where every text anyone could type carries the payload, taken to a decision."""
    suspension = ingest_hostile_statement()
    appellant = signed_in(suspension)
    evidence = SimpleUploadedFile(f"{PAYLOAD[:60]}.txt".replace("/", ""), b"plain words\n")
    filing = {"reason": "context_missed", "statement": PAYLOAD, "language": "en", "evidence": [evidence]}
    assert appellant.post("/appeal/case/appeal/", filing).status_code == 302
    appeal = Appeal.objects.get()
    User.objects.filter(pk=rita.pk).update(full_name=PAYLOAD[:150])
    rita.refresh_from_db()
    ReasonTemplate.objects.create(title=PAYLOAD[:100], body=PAYLOAD)
    appeal_claim(appeal=appeal, by=rita)
    appeal_request_info(appeal=appeal, by=rita, body=PAYLOAD, reply_by=timezone.now() + timedelta(days=7))
    assert appellant.post(f"/appeal/appeals/{appeal.reference}/reply/", {"body": PAYLOAD}).status_code == 302
    appeal_message_post(appeal=appeal, by=rita, body=PAYLOAD, internal=False)
    appeal_message_post(appeal=appeal, by=rita, body=PAYLOAD, internal=True)
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons=PAYLOAD)
    return appellant, appeal


APPELLANT_PAGES = ["/appeal/case/", "/appeal/appeals/{ref}/", "/appeal/appeals/{ref}/decision/", "/appeal/inbox/"]


@pytest.mark.parametrize("page", APPELLANT_PAGES)
def test_the_appellant_pages_show_hostile_text_as_text(hostile_world: tuple[Client, Appeal], page: str) -> None:
    appellant, appeal = hostile_world
    response = appellant.get(page.format(ref=appeal.reference))
    assert response.status_code == 200
    assert_escaped(text_of(response), page)


# The queue's filters echo what was typed, so a hostile query string is one more way in.
STAFF_PAGES = [
    "/review/?status=decided",
    "/review/appeals/{ref}/",
    "/review/approvals/",
    "/review/?status=decided&q={ref}",
    f"/review/?status=decided&rule={quote(PAYLOAD)}",
]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_the_dashboard_shows_hostile_text_as_text(hostile_world: tuple[Client, Appeal], sam: User, page: str) -> None:
    _appellant, appeal = hostile_world
    response = staff_client(sam).get(page.format(ref=appeal.reference))
    assert response.status_code == 200
    assert_escaped(text_of(response), page, shown=page != "/review/approvals/")


ADMIN_MODELS = [
    "appeals.suspension",
    "appeals.appeal",
    "appeals.message",
    "appeals.evidence",
    "appeals.decision",
    "appeals.reasontemplate",
    "audit.auditevent",
    "notifications.notification",
    "accounts.user",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_the_admin_shows_hostile_text_as_text(hostile_world: tuple[Client, Appeal], ada: User, model: str) -> None:
    client = staff_client(ada)
    app_label, model_name = model.split(".")
    changelist = client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))
    assert changelist.status_code == 200
    assert_escaped(text_of(changelist), f"{model} list", shown=False)
    for obj_id in changelist.context["cl"].result_list.values_list("pk", flat=True)[:20]:
        change = client.get(reverse(f"admin:{app_label}_{model_name}_change", args=[obj_id]))
        assert change.status_code == 200
        assert_escaped(text_of(change), f"{model} {obj_id}", shown=False)


def test_every_email_about_the_case_shows_hostile_text_as_text_in_its_html(
    hostile_world: tuple[Client, Appeal],
) -> None:
    sent = list(Notification.objects.all())
    assert {"appeal_received", "info_requested", "message_received", "appeal_decided"} <= {n.template for n in sent}
    for notification in sent:
        rendered = render_notification(notification)
        assert_escaped(rendered.html, f"the {notification.template} email", shown=False)
        assert "\n" not in rendered.subject
