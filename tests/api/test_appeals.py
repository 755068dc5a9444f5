"""GET /api/v1/appeals/: the platform reads appeals of every status and, once decided, what it must do."""

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.choices import Category, DecisionAccount
from appeals.models import Appeal, AppealReason, AppealStatus, Outcome
from appeals.services import appeal_claim, appeal_decide, appeal_file_unverified, appeal_withdraw, decision_approve
from portal.audit.actors import Actor
from portal.integrations.services import api_key_revoke
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

APPEALS = "/api/v1/appeals/"
FIELDS = {
    "id",
    "reference",
    "status",
    "suspension",
    "handle",
    "identity_verified",
    "language",
    "filed_at",
    "due_at",
    "decided_at",
    "withdrawn_at",
    "updated_at",
    "decision",
}


def decide(appeal: Appeal, reviewer, outcome: Outcome, **change) -> Appeal:
    appeal_claim(appeal=appeal, by=reviewer)
    appeal_decide(appeal=appeal, by=reviewer, outcome=outcome, reasons=f"Reasons for {outcome}.", **change)
    return Appeal.objects.get(pk=appeal.pk)


def unmatched_appeal() -> Appeal:
    """Filed from a new address for a handle with no case: it concerns no suspension of the platform's."""
    return appeal_file_unverified(
        handle="nobody-suspended",
        reason=AppealReason.OTHER,
        statement="Please look at my account.",
        contact_email="stranger@example.net",
        language="en",
    )


@pytest.fixture
def reader(api_client) -> APIClient:
    return api_client("appeals:read")


def row_time(moment: datetime | None) -> str:
    assert moment is not None
    return moment.isoformat().replace("+00:00", "Z")


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- what is listed ----------------------------------------------------------------------------------------------


def test_every_status_is_listed_in_id_order(reader, rita):
    waiting = make_appeal()
    decided = decide(make_appeal(), rita, Outcome.UPHELD)
    withdrawn = appeal_withdraw(appeal=make_appeal())
    response = reader.get(APPEALS)
    assert response.status_code == 200
    assert ids(response) == [waiting.pk, decided.pk, withdrawn.pk]
    assert [row["status"] for row in response.json()["results"]] == ["submitted", "decided", "withdrawn"]


def test_an_appeal_that_matched_no_case_is_neither_listed_nor_shown(reader):
    stray = unmatched_appeal()
    assert ids(reader.get(APPEALS)) == []
    response = reader.get(f"{APPEALS}{stray.pk}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_an_appeal_shows_what_the_platform_needs_and_nothing_personal_beyond(reader):
    case = make_suspension("carol")
    appeal = make_appeal(case)
    row = reader.get(f"{APPEALS}{appeal.pk}/").json()
    assert set(row) == FIELDS
    assert row["suspension"] == {"id": case.pk, "puid": case.puid}
    assert row["reference"] == appeal.reference and row["handle"] == "carol" and row["identity_verified"] is True
    assert row["decision"] is None and row["decided_at"] is None
    body = str(row)
    assert appeal.contact_email not in body and appeal.statement not in body


# --- decisions and what the platform must do ---------------------------------------------------------------------


def test_an_upheld_appeal_asks_nothing_of_the_platform(reader, rita):
    appeal = decide(make_appeal(), rita, Outcome.UPHELD)
    decision = reader.get(f"{APPEALS}{appeal.pk}/").json()["decision"]
    assert decision == {
        "outcome": "upheld",
        "reasons": "Reasons for upheld.",
        "decided_at": row_time(appeal.decided_at),
        "approved": False,
        "new_decision_account": None,
        "new_end_date": None,
        "action": "none",
    }


def test_an_overturned_appeal_asks_the_platform_to_reinstate(reader, rita):
    appeal = decide(make_appeal(), rita, Outcome.OVERTURNED)
    row = reader.get(f"{APPEALS}{appeal.pk}/").json()
    assert row["status"] == "decided" and row["decided_at"] is not None
    assert row["decision"]["outcome"] == "overturned" and row["decision"]["action"] == "reinstate_account"


def test_a_modified_appeal_says_what_the_restriction_becomes(reader, rita):
    until = timezone.now() + timedelta(days=7)
    appeal = decide(
        make_appeal(),
        rita,
        Outcome.MODIFIED,
        new_decision_account=DecisionAccount.SUSPENDED,
        new_end_date=until,
    )
    decision = reader.get(f"{APPEALS}{appeal.pk}/").json()["decision"]
    assert decision["action"] == "modify_restriction"
    assert decision["new_decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert decision["new_end_date"] == row_time(until)


def test_a_sensitive_reversal_shows_no_decision_until_a_second_senior_approves(reader, rita, sam):
    appeal = make_appeal(make_suspension(category=Category.RISK_FOR_PUBLIC_SECURITY))
    appeal_claim(appeal=appeal, by=rita)
    proposal = appeal_decide(appeal=appeal, by=rita, outcome=Outcome.OVERTURNED, reasons="Journalism.")
    row = reader.get(f"{APPEALS}{appeal.pk}/").json()
    assert row["status"] == "awaiting_approval" and row["decision"] is None
    decision_approve(decision=proposal, by=sam)
    row = reader.get(f"{APPEALS}{appeal.pk}/").json()
    assert row["status"] == "decided"
    assert row["decision"]["approved"] is True and row["decision"]["action"] == "reinstate_account"
    assert "sam" not in str(row) and "rita" not in str(row)


# --- filters -----------------------------------------------------------------------------------------------------


def test_status_filter_narrows_to_the_statuses_asked_for(reader, rita):
    make_appeal()
    decided = decide(make_appeal(), rita, Outcome.UPHELD)
    withdrawn = appeal_withdraw(appeal=make_appeal())
    assert ids(reader.get(APPEALS, {"status": ["decided", "withdrawn"]})) == [decided.pk, withdrawn.pk]


def test_suspension_and_puid_filters_find_the_appeals_on_one_case(reader):
    case = make_suspension()
    wanted = make_appeal(case)
    make_appeal()
    assert ids(reader.get(APPEALS, {"suspension": case.pk})) == [wanted.pk]
    assert ids(reader.get(APPEALS, {"puid": case.puid})) == [wanted.pk]
    assert ids(reader.get(APPEALS, {"puid": "no-such-puid"})) == []


def test_updated_after_finds_what_changed_since_the_last_look(reader):
    old, recent = make_appeal(), make_appeal()
    last_look = timezone.now() - timedelta(hours=1)
    Appeal.objects.filter(pk=old.pk).update(updated_at=last_look - timedelta(minutes=1))
    Appeal.objects.filter(pk=recent.pk).update(updated_at=last_look)
    assert ids(reader.get(APPEALS, {"updated_after": last_look.isoformat()})) == [recent.pk]


def test_decided_after_finds_outcomes_not_yet_acted_on(reader, rita):
    earlier = decide(make_appeal(), rita, Outcome.UPHELD)
    later = decide(make_appeal(), rita, Outcome.OVERTURNED)
    make_appeal()
    last_look = timezone.now() - timedelta(hours=1)
    Appeal.objects.filter(pk=earlier.pk).update(decided_at=last_look - timedelta(seconds=1))
    Appeal.objects.filter(pk=later.pk).update(decided_at=last_look)
    assert ids(reader.get(APPEALS, {"decided_after": last_look.isoformat()})) == [later.pk]


def test_the_review_queue_filters_work_here_too(reader):
    sensitive = make_appeal(make_suspension(category=Category.RISK_FOR_PUBLIC_SECURITY))
    make_appeal()
    assert ids(reader.get(APPEALS, {"category": Category.RISK_FOR_PUBLIC_SECURITY})) == [sensitive.pk]
    assert ids(reader.get(APPEALS, {"q": sensitive.reference})) == [sensitive.pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"suspension": "one"}, "suspension"),
        ({"updated_after": "yesterday"}, "updated_after"),
        ({"decided_after": "2024-13-45"}, "decided_after"),
        ({"suspension": "99999999999999999999999"}, "suspension"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "1001"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "cD1hYmM="}, "cursor"),  # a well-formed cursor whose position ("p=abc") is no id
    ],
)
def test_bad_parameters_are_400_naming_the_parameter(reader, query, field):
    make_appeal()
    response = reader.get(APPEALS, query)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and list(body["errors"]) == [field]


def test_a_key_cannot_ask_for_its_own_appeals_or_a_sort_order(reader):
    make_appeal()
    response = reader.get(APPEALS, {"assigned": "mine", "ordering": "-due"})
    assert response.status_code == 200 and len(ids(response)) == 1  # the dashboard's own parameters do nothing here


# --- pagination and cost -----------------------------------------------------------------------------------------


def test_following_next_sees_every_appeal_once(reader):
    made = [make_appeal().pk for _ in range(7)]
    seen: list[int] = []
    url: str | None = f"{APPEALS}?{urlencode({'page_size': 3})}"
    pages = 0
    while url:
        body = reader.get(url).json()
        seen += [row["id"] for row in body["results"]]
        url, pages = body["next"], pages + 1
    assert seen == made and pages == 3


def test_an_appeal_filed_while_paging_is_seen_once_on_a_later_page(reader):
    first, second, third = (make_appeal().pk for _ in range(3))
    page = reader.get(APPEALS, {"page_size": 2}).json()
    newcomer = make_appeal().pk
    cursor = parse_qs(urlsplit(page["next"]).query)["cursor"][0]
    assert ids(reader.get(APPEALS, {"page_size": 2, "cursor": cursor})) == [third, newcomer]
    assert [row["id"] for row in page["results"]] == [first, second]


def test_page_size_defaults_to_100(reader):
    for _ in range(101):
        make_appeal(make_suspension(informed=False))
    body = reader.get(APPEALS).json()
    assert len(body["results"]) == 100 and body["next"] is not None


def count_queries(client: APIClient) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(APPEALS).status_code == 200
    return len(queries)


def test_the_list_costs_the_same_for_5_and_for_50_decided_appeals(reader, rita, django_assert_max_num_queries):
    for _ in range(5):
        decide(make_appeal(make_suspension(informed=False)), rita, Outcome.OVERTURNED)
    reader.get(APPEALS)  # the key's first use is written down once; later calls within a minute write nothing
    few = count_queries(reader)
    for _ in range(45):
        decide(make_appeal(make_suspension(informed=False)), rita, Outcome.UPHELD)
    assert count_queries(reader) == few
    with django_assert_max_num_queries(4):  # the key, its "last used" (a no-op within the minute), the page, decisions
        assert len(ids(reader.get(APPEALS))) == 50


# --- who may read ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [APPEALS, f"{APPEALS}1/"])
def test_no_key_is_401(db, path):
    response = APIClient().get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("path", [APPEALS, f"{APPEALS}1/"])
def test_a_key_without_appeals_read_is_403(api_client, path):
    response = api_client("suspensions:write", "webhooks:manage").get(path)
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key lacks the appeals:read scope."


def test_a_revoked_key_is_401(reader):
    api_key_revoke(actor=Actor.system("tests"), key=reader.key)
    response = reader.get(APPEALS)
    assert response.status_code == 401 and response.json()["code"] == "revoked_key"


def test_a_reviewer_signed_in_to_the_dashboard_may_read(rita):
    appeal = make_appeal()
    client = staff_client(rita)
    assert client.get(APPEALS, HTTP_ACCEPT="application/json").json()["results"][0]["id"] == appeal.pk
    assert client.get(f"{APPEALS}{appeal.pk}/", HTTP_ACCEPT="application/json").status_code == 200


def test_staff_without_a_reviewer_role_may_not_read(ada):
    assert staff_client(ada).get(APPEALS, HTTP_ACCEPT="application/json").status_code == 403


def test_the_api_is_read_only(reader):
    appeal = make_appeal()
    assert reader.post(APPEALS, {}, format="json").status_code == 403
    assert reader.delete(f"{APPEALS}{appeal.pk}/").status_code == 403
    assert Appeal.objects.filter(pk=appeal.pk, status=AppealStatus.SUBMITTED).exists()


@pytest.mark.parametrize("appeal_id", ["999999", "abc"])
def test_an_unknown_appeal_is_404_json(reader, appeal_id):
    response = reader.get(f"{APPEALS}{appeal_id}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_time_zone_offset_postgresql_cannot_hold_is_read_in_utc(reader):
    """ISO 8601 allows offsets beyond the ±16 hours PostgreSQL accepts; the moment is compared in UTC."""
    appeal = make_appeal()
    response = reader.get(APPEALS, {"updated_after": "2020-07-03T21:20:46-20:04"})
    assert response.status_code == 200
    assert ids(response) == [appeal.pk]
