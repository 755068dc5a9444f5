"""POST /api/v1/suspensions/: the platform sends statements of reasons, one or a batch, idempotent by puid; every
item gets its own outcome and bad input is a 4xx naming the field. GET lists and reads them back."""

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from appeals.choices import AutomatedDecision, Category, DecisionGround, SourceType
from appeals.models import Decision, Outcome, Suspension, Wave
from appeals.services import appeal_claim, appeal_decide
from portal.audit.models import AuditEvent
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

SUSPENSIONS = "/api/v1/suspensions/"


def statement(puid: str = "sor-1", **changes: Any) -> dict[str, Any]:
    """A complete statement as a platform would send it to the Transparency Database, plus our handle."""
    body: dict[str, Any] = {
        "puid": puid,
        "handle": f"@{puid}-holder",
        "account_email": f"{puid}@example.org",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "application_date": "2026-11-02",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community rules §4",
        "incompatible_content_explanation": "Shared a banned group's material.",
        "incompatible_content_illegal": "No",
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "decision_facts": "Three posts quoted a banned group's slogan.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "territorial_scope": ["FR", "DE"],
        "content_type": ["CONTENT_TYPE_TEXT"],
    }
    body.update(changes)
    return body


@pytest.fixture
def writer(api_client) -> APIClient:
    return api_client("suspensions:write")


@pytest.fixture
def reader(api_client) -> APIClient:
    return api_client("appeals:read")


def post(client: APIClient, body: Any):
    return client.post(SUSPENSIONS, body, format="json")


def only_result(response) -> dict[str, Any]:
    return response.json()["results"][0]


# Sending one statement


def test_one_statement_is_created_with_201_and_audited_with_the_key_as_actor(writer):
    response = post(writer, statement())
    assert response.status_code == 201
    suspension = Suspension.objects.get(puid="sor-1")
    assert response.json() == {
        "results": [{"index": 0, "puid": "sor-1", "outcome": "created", "id": suspension.pk}],
        "summary": {"created": 1, "updated": 0, "unchanged": 0, "rejected": 0},
    }
    event = AuditEvent.objects.get(action="suspension.received", target_id=str(suspension.pk))
    assert (event.actor_kind, event.actor_id) == ("api", f"key:{writer.key.prefix}")


def test_transparency_database_values_are_stored_as_ours(writer):
    post(writer, statement(end_date_account_restriction="2027-02-02T12:30:00+01:00", content_date="2026-10-30"))
    suspension = Suspension.objects.get(puid="sor-1")
    assert suspension.application_date == datetime(2026, 11, 2, tzinfo=UTC)
    assert suspension.end_date_account_restriction == datetime(2027, 2, 2, 11, 30, tzinfo=UTC)
    assert suspension.automated_detection is True
    assert suspension.incompatible_content_illegal is False
    assert suspension.territorial_scope == ["DE", "FR"]
    assert suspension.handle_key == "sor-1-holder"


@pytest.mark.parametrize(("sent", "stored"), [(True, True), (False, False), ("yes", True), ("NO", False)])
def test_yes_and_no_may_also_be_json_booleans(writer, sent, stored):
    post(writer, statement(automated_detection=sent))
    assert Suspension.objects.get(puid="sor-1").automated_detection is stored


def test_sending_the_same_statement_again_changes_nothing(writer):
    post(writer, statement())
    events = AuditEvent.objects.count()
    response = post(writer, statement(territorial_scope=["DE", "FR", "DE"]))
    assert response.status_code == 200
    assert only_result(response)["outcome"] == "unchanged"
    assert AuditEvent.objects.count() == events


def test_a_corrected_resend_updates_what_changed_and_audits_the_field_names(writer):
    post(writer, statement())
    response = post(writer, statement(decision_facts="Four posts, not three.", territorial_scope=["AT"]))
    assert response.status_code == 200
    assert only_result(response)["outcome"] == "updated"
    suspension = Suspension.objects.get(puid="sor-1")
    assert (suspension.decision_facts, suspension.territorial_scope) == ("Four posts, not three.", ["AT"])
    event = AuditEvent.objects.get(action="suspension.updated")
    assert event.data == {"fields": ["decision_facts", "territorial_scope"]}
    assert event.actor_id == f"key:{writer.key.prefix}"


def test_fields_left_out_of_a_resend_keep_what_was_stored(writer):
    post(writer, statement(detection_rule="classifier-v7", wave="sweep-1"))
    resend = statement()
    response = post(writer, resend)
    assert only_result(response)["outcome"] == "unchanged"
    suspension = Suspension.objects.select_related("wave").get(puid="sor-1")
    assert suspension.detection_rule == "classifier-v7"
    assert suspension.wave is not None and suspension.wave.key == "sweep-1"


def test_null_or_empty_clears_an_optional_field(writer):
    post(writer, statement(wave="sweep-1", end_date_account_restriction="2027-01-01"))
    post(writer, statement(wave=None, end_date_account_restriction=None))
    suspension = Suspension.objects.get(puid="sor-1")
    assert (suspension.wave, suspension.end_date_account_restriction) == (None, None)


def test_a_rejected_statement_is_400_with_the_field_errors_and_its_report(writer):
    response = post(writer, statement(category="STATEMENT_CATEGORY_NONSENSE"))
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["errors"] == {"category": ['"STATEMENT_CATEGORY_NONSENSE" is not a valid choice.']}
    assert body["results"][0]["outcome"] == "rejected"
    assert body["summary"]["rejected"] == 1
    assert not Suspension.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT"}, "illegal_content_legal_ground"),
        ({"incompatible_content_ground": ""}, "incompatible_content_ground"),
        ({"end_date_account_restriction": "2026-11-01"}, "end_date_account_restriction"),
        ({"end_date_account_restriction": "2026-11-02"}, "end_date_account_restriction"),
    ],
    ids=["illegal-without-legal-ground", "incompatible-without-ground", "ends-before-start", "ends-at-start"],
)
def test_the_statement_rules_come_back_as_field_errors(writer, changes, field):
    response = post(writer, statement(**changes))
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]


def test_a_missing_required_field_is_named(writer):
    body = statement()
    del body["decision_facts"], body["handle"]
    response = post(writer, body)
    assert response.json()["errors"] == {
        "handle": ["This field is required."],
        "decision_facts": ["This field is required."],
    }


def test_fields_we_do_not_store_are_ignored(writer):
    response = post(
        writer, statement(decision_visibility=["DECISION_VISIBILITY_CONTENT_REMOVED"], content_language="EN")
    )
    assert response.status_code == 201


# Batches


def test_a_batch_reports_each_item_and_one_bad_item_never_loses_the_rest(writer):
    batch = [statement("a"), statement("b", automated_decision="SOMETIMES"), "not a statement", statement("c")]
    response = post(writer, batch)
    assert response.status_code == 200
    results = response.json()["results"]
    assert [(r["index"], r["puid"], r["outcome"]) for r in results] == [
        (0, "a", "created"),
        (1, "b", "rejected"),
        (2, None, "rejected"),
        (3, "c", "created"),
    ]
    assert results[1]["errors"] == {"automated_decision": ['"SOMETIMES" is not a valid choice.']}
    assert "non_field_errors" in results[2]["errors"]
    assert results[1]["id"] is None and "errors" not in results[0]
    assert response.json()["summary"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert set(Suspension.objects.values_list("puid", flat=True)) == {"a", "c"}


def test_a_rule_broken_by_one_item_leaves_the_others_stored(writer):
    batch = [statement("a"), statement("b", decision_ground="DECISION_GROUND_ILLEGAL_CONTENT"), statement("c")]
    results = post(writer, batch).json()["results"]
    assert [r["outcome"] for r in results] == ["created", "rejected", "created"]
    assert results[1]["errors"] == {
        "illegal_content_legal_ground": ["Required when decision_ground is illegal content."]
    }


def test_the_same_puid_twice_in_a_batch_is_taken_in_order(writer):
    batch = [statement("a"), statement("a"), statement("a", decision_facts="Corrected.")]
    results = post(writer, batch).json()["results"]
    assert [r["outcome"] for r in results] == ["created", "unchanged", "updated"]
    assert len({r["id"] for r in results}) == 1
    assert Suspension.objects.get().decision_facts == "Corrected."


def test_a_puid_rejected_earlier_in_a_batch_may_be_created_by_a_later_item(writer):
    batch = [statement("a", category="nonsense"), statement("a")]
    results = post(writer, batch).json()["results"]
    assert [r["outcome"] for r in results] == ["rejected", "created"]


def test_the_same_thousand_item_batch_twice_makes_a_thousand_rows(writer, settings):
    batch = [statement(f"sor-{number:04d}") for number in range(settings.API_BATCH_MAX)]
    first = post(writer, batch)
    events = AuditEvent.objects.count()
    second = post(writer, batch)
    assert first.json()["summary"]["created"] == 1000
    assert second.json()["summary"] == {"created": 0, "updated": 0, "unchanged": 1000, "rejected": 0}
    assert Suspension.objects.count() == 1000
    assert AuditEvent.objects.filter(action="suspension.received").count() == 1000
    assert AuditEvent.objects.count() == events


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_batch_sent_twice_at_once_makes_each_suspension_once(api_client):
    batch = [statement(f"race-{number}") for number in range(50)]
    clients = [api_client("suspensions:write", integration=f"worker {n}") for n in range(2)]
    start = threading.Barrier(len(clients))
    answers: list[Any] = []

    def send(client: APIClient) -> None:
        try:
            start.wait()
            answers.append(post(client, batch))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [answer.status_code for answer in answers] == [200, 200]
    assert Suspension.objects.count() == 50
    assert AuditEvent.objects.filter(action="suspension.received").count() == 50
    for first, second in zip(*(answer.json()["results"] for answer in answers), strict=True):
        assert sorted([first["outcome"], second["outcome"]]) == ["created", "unchanged"]
        assert first["id"] == second["id"]


def test_a_batch_over_the_limit_is_413_naming_the_limit(writer, settings):
    settings.API_BATCH_MAX = 3
    response = post(writer, [statement(f"s{n}") for n in range(4)])
    assert response.status_code == 413
    assert response.json() == {
        "detail": "A batch holds at most 3 statements; this one has 4. Send them in smaller batches.",
        "code": "too_large",
    }
    assert not Suspension.objects.exists()


@pytest.mark.parametrize("body", [[], None, "a statement", 42, True], ids=["empty", "null", "string", "number", "bool"])
def test_a_body_that_is_neither_a_statement_nor_a_batch_is_400(writer, body):
    response = writer.post(SUSPENSIONS, json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]["non_field_errors"]


def test_a_wave_is_made_on_first_use_and_then_reused(writer):
    post(writer, [statement("a", wave="2026-11-sweep"), statement("b", wave="2026-11-sweep")])
    wave = Wave.objects.get()
    assert (wave.key, wave.name) == ("2026-11-sweep", "2026-11-sweep")
    assert set(wave.suspensions.values_list("puid", flat=True)) == {"a", "b"}
    assert AuditEvent.objects.filter(action="wave.created", target_id=str(wave.pk)).count() == 1


def test_a_batch_costs_a_bounded_number_of_queries(writer, django_assert_max_num_queries):
    batch = [statement(f"sor-{number}", wave="sweep") for number in range(20)]
    # The new wave, then one insert and one audit append for the whole batch: no query per item.
    with django_assert_max_num_queries(30):
        post(writer, batch)
    with django_assert_max_num_queries(10):  # nothing changed: no query per item
        post(writer, batch)


# Bad input: a 4xx naming the field, never a server error


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"handle": "x" * 10_000}, "handle"),
        ({"handle": "ﷺ" * 20}, "handle"),  # one character, eighteen once normalised for lookups
        ({"handle": "@ "}, "handle"),
        ({"decision_facts": "a\x00b"}, "decision_facts"),
        ({"decision_facts": "x" * 5001}, "decision_facts"),
        ({"decision_facts": {"nested": "object"}}, "decision_facts"),
        ({"handle": 12}, "handle"),
        ({"category": 10**40}, "category"),
        ({"territorial_scope": 7}, "territorial_scope"),
        ({"territorial_scope": "DE"}, "territorial_scope"),
        ({"territorial_scope": ["DE", "US"]}, "territorial_scope"),
        ({"territorial_scope": ["DE"] * 31}, "territorial_scope"),
        ({"content_type": ["CONTENT_TYPE_HOLOGRAM"]}, "content_type"),
        ({"category_specification": ["KEYWORD_NOPE"]}, "category_specification"),
        ({"automated_detection": "maybe"}, "automated_detection"),
        ({"automated_detection": 1}, "automated_detection"),
        ({"application_date": "2019-12-31"}, "application_date"),
        ({"application_date": "02/11/2026"}, "application_date"),
        ({"application_date": "9999-12-31T23:59:59-05:00"}, "application_date"),
        ({"application_date": None}, "application_date"),
        ({"content_date": "1999-12-31"}, "content_date"),
        ({"account_email": "not an address"}, "account_email"),
        ({"wave": "not a slug!"}, "wave"),
        ({"wave": "w" * 101}, "wave"),
        ({"illegal_content_legal_ground": "x" * 501}, "illegal_content_legal_ground"),
        ({"puid": "has space"}, "puid"),
        ({"puid": "ends-in-newline\n"}, "puid"),
        ({"puid": "p" * 501}, "puid"),
        ({"puid": 123}, "puid"),
    ],
)
def test_hostile_values_are_field_errors(writer, changes, field):
    response = post(writer, statement(**changes))
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Suspension.objects.exists()


def test_a_lone_surrogate_is_a_field_error_that_still_encodes(writer):
    body = json.dumps(statement(category="CATEGORY_MARK", handle="HANDLE_MARK"))
    body = body.replace("CATEGORY_MARK", "\\ud800").replace("HANDLE_MARK", "\\udfff")
    response = writer.post(SUSPENSIONS, body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"category", "handle"}


def test_an_unknown_value_is_quoted_briefly(writer):
    response = post(writer, statement(category="X" * 1000))
    [message] = response.json()["errors"]["category"]
    assert len(message) < 80


def test_a_huge_integer_is_a_parse_error(writer):
    response = writer.post(SUSPENSIONS, '{"puid": ' + "9" * 5000 + "}", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_writing_needs_the_write_scope(reader):
    response = post(reader, statement())
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key lacks the suspensions:write scope."


# Reading


def test_reading_needs_the_read_scope(writer):
    response = writer.get(SUSPENSIONS)
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key lacks the appeals:read scope."


def test_the_list_pages_by_cursor_in_the_order_received(reader):
    made = [make_suspension(informed=False).pk for _ in range(5)]
    first = reader.get(SUSPENSIONS, {"page_size": 3}).json()
    cursor = parse_qs(urlsplit(first["next"]).query)["cursor"][0]
    second = reader.get(SUSPENSIONS, {"page_size": 3, "cursor": cursor}).json()
    assert [row["id"] for row in first["results"] + second["results"]] == made
    assert second["next"] is None


def test_a_listed_suspension_reads_back_as_sent(writer, api_client):
    post(writer, statement(wave="sweep-1"))
    row = api_client("appeals:read").get(SUSPENSIONS).json()["results"][0]
    assert row["puid"] == "sor-1"
    assert row["wave"] == "sweep-1"
    assert row["application_date"] == "2026-11-02T00:00:00Z"
    assert row["automated_detection"] is True
    assert row["territorial_scope"] == ["DE", "FR"]
    assert row["never_informed"] is True
    assert row["appeal_deadline"] is None


def ids(response) -> set[int]:
    assert response.status_code == 200, response.json()
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({"category": Category.VIOLENCE}, {"category": Category.VIOLENCE}),
        (
            {"decision_ground": DecisionGround.ILLEGAL_CONTENT},
            {"decision_ground": DecisionGround.ILLEGAL_CONTENT, "illegal_content_legal_ground": "§ 86a StGB"},
        ),
        ({"automated_detection": "false"}, {"automated_detection": False}),
        (
            {"automated_decision": AutomatedDecision.NOT_AUTOMATED},
            {"automated_decision": AutomatedDecision.NOT_AUTOMATED},
        ),
        ({"source_type": SourceType.TRUSTED_FLAGGER}, {"source_type": SourceType.TRUSTED_FLAGGER}),
        ({"puid": "the-one"}, {}),
    ],
)
def test_the_list_filters_by_statement_fields(reader, query, fields):
    make_suspension()
    wanted = make_suspension("the-one", **fields)
    Suspension.objects.filter(pk=wanted.pk).update(puid="the-one")
    assert ids(reader.get(SUSPENSIONS, query)) == {wanted.pk}


def test_the_list_filters_by_handle_in_any_form(reader):
    wanted = make_suspension("Jo_Example")
    make_suspension("someone")
    assert ids(reader.get(SUSPENSIONS, {"handle": "@jo_example"})) == {wanted.pk}


def test_the_list_filters_by_wave_and_by_never_informed(reader):
    wave = Wave.objects.create(key="sweep", name="Sweep")
    in_wave = make_suspension(wave=wave, informed=False)
    informed = make_suspension()
    assert ids(reader.get(SUSPENSIONS, {"wave": "sweep"})) == {in_wave.pk}
    assert ids(reader.get(SUSPENSIONS, {"never_informed": "true"})) == {in_wave.pk}
    assert ids(reader.get(SUSPENSIONS, {"never_informed": "false"})) == {informed.pk}


def test_the_list_filters_by_when_received_and_changed(reader):
    old = make_suspension()
    new = make_suspension()
    moment = timezone.now() - timedelta(hours=1)
    Suspension.objects.filter(pk=old.pk).update(received_at=moment - timedelta(days=1), updated_at=moment)
    after = (moment + timedelta(minutes=1)).isoformat()
    assert ids(reader.get(SUSPENSIONS, {"received_after": after})) == {new.pk}
    assert ids(reader.get(SUSPENSIONS, {"received_before": after})) == {old.pk}
    assert ids(reader.get(SUSPENSIONS, {"updated_after": after})) == {new.pk}


def test_a_moment_with_any_offset_filters_in_utc(reader):
    made = make_suspension()
    assert ids(reader.get(SUSPENSIONS, {"received_after": "0124-07-03T21:20:46-20:04"})) == {made.pk}


@pytest.mark.parametrize(
    "query",
    [
        {"category": "NOPE"},
        {"received_after": "yesterday"},
        {"received_after": "0001-01-01T00:00:00+05:00"},
        {"puid": "a\x00b"},
        {"page_size": "0"},
        {"cursor": "x"},
    ],
)
def test_a_bad_filter_is_400_naming_it(reader, query):
    response = reader.get(SUSPENSIONS, query)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == set(query)


@pytest.mark.parametrize("rows", [5, 50])
def test_the_list_costs_the_same_queries_for_5_or_50_rows(reader, rows, django_assert_max_num_queries):
    wave = Wave.objects.create(key="sweep", name="Sweep")
    for _ in range(rows):
        make_suspension(wave=wave)
    with django_assert_max_num_queries(3):
        response = reader.get(SUSPENSIONS)
    assert len(response.json()["results"]) == rows


def test_staff_may_read_the_list(rita):
    make_suspension()
    response = staff_client(rita).get(SUSPENSIONS, HTTP_ACCEPT="application/json")
    assert response.status_code == 200


def test_a_suspension_reads_with_its_notices_and_appeals_but_no_staff_fields(reader, rita):
    suspension = make_suspension("alice")
    appeal = make_appeal(suspension)
    appeal_claim(appeal=appeal, by=rita)
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts broke the rules.")
    response = reader.get(f"{SUSPENSIONS}{suspension.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["puid"] == suspension.puid
    assert body["never_informed"] is False
    assert body["appeal_deadline"] is not None
    [notice] = body["notices"]
    assert (notice["channel"], notice["status"], notice["address"]) == ("email", "delivered", "alice@example.org")
    [listed] = body["appeals"]
    assert set(listed) == {"id", "reference", "status", "filed_at", "decided_at", "outcome"}
    assert (listed["reference"], listed["status"], listed["outcome"]) == (appeal.reference, "decided", "upheld")
    assert Decision.objects.filter(appeal=appeal).count() == 1
    assert appeal.statement not in response.content.decode()


def test_a_suspension_reads_in_a_fixed_number_of_queries(reader, django_assert_max_num_queries):
    suspension = make_suspension()
    make_appeal(suspension)
    with django_assert_max_num_queries(6):
        reader.get(f"{SUSPENSIONS}{suspension.pk}/")


@pytest.mark.parametrize("path", ["999999/", "99999999999999999999999/", "abc/"])
def test_an_unknown_suspension_is_json_404(reader, path):
    response = reader.get(SUSPENSIONS + path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
