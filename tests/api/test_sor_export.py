"""Statements of reasons in the EU DSA Transparency Database's submission format: one suspension at
GET /api/v1/suspensions/{id}/sor/, and a period's worth from `manage.py sor_export`."""

import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from appeals.api.sor import StatementOfReasonsSerializer
from appeals.choices import AccountType, Category, DecisionAccount, DecisionGround, SourceType
from appeals.models import Suspension
from portal.audit.actors import Actor
from portal.integrations.services import api_key_revoke
from tests.conftest import staff_client
from tests.factories import make_suspension

START = datetime(2025, 3, 10, 14, 30, tzinfo=UTC)
COMPLETE = {"content_date": date(2025, 3, 9), "content_type": ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"]}
RECOURSE_OWN = {"handle", "handle_key", "account_email", "wave", "detection_rule", "content_description", "id"}


def suspension(**fields) -> Suspension:
    return make_suspension(informed=False, application_date=START, **{**COMPLETE, **fields})


def sor_url(target: Suspension | int) -> str:
    return f"/api/v1/suspensions/{getattr(target, 'pk', target)}/sor/"


@pytest.fixture
def reader(api_client) -> APIClient:
    return api_client("appeals:read")


# --- the mapping -------------------------------------------------------------------------------------------------


def test_a_temporary_suspension_for_incompatible_content(reader):
    case = suspension(
        end_date_account_restriction=START + timedelta(days=30),
        account_type=AccountType.PRIVATE,
        incompatible_content_illegal=False,
        category_specification=["KEYWORD_TERRORIST_CONTENT"],
    )
    response = reader.get(sor_url(case))
    assert response.status_code == 200
    assert response.json() == {
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "end_date_account_restriction": "2025-04-09",
        "account_type": "ACCOUNT_TYPE_PRIVATE",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community rules §4: violent extremism",
        "incompatible_content_explanation": "Posts shared material from a designated group.",
        "incompatible_content_illegal": "No",
        "content_type": ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"],
        "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "territorial_scope": ["DE", "FR"],
        "content_date": "2025-03-09",
        "application_date": "2025-03-10",
        "decision_facts": "Three posts on 2 November quoted a banned group's slogan.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_FULLY",
        "puid": case.puid,
    }


def test_a_permanent_termination_for_illegal_content(reader):
    case = suspension(
        decision_account=DecisionAccount.TERMINATED,
        decision_ground=DecisionGround.ILLEGAL_CONTENT,
        illegal_content_legal_ground="§ 86a StGB",
        illegal_content_explanation="Symbols of an unconstitutional organisation.",
        incompatible_content_ground="",
        incompatible_content_explanation="",
        category=Category.RISK_FOR_PUBLIC_SECURITY,
        source_type=SourceType.TRUSTED_FLAGGER,
        source_identity="A trusted flagger organisation",
        automated_detection=False,
    )
    statement = reader.get(sor_url(case)).json()
    assert statement["decision_account"] == "DECISION_ACCOUNT_TERMINATED"
    assert "end_date_account_restriction" not in statement  # the database reads no end date as indefinite
    assert statement["decision_ground"] == "DECISION_GROUND_ILLEGAL_CONTENT"
    assert statement["illegal_content_legal_ground"] == "§ 86a StGB"
    assert statement["illegal_content_explanation"] == "Symbols of an unconstitutional organisation."
    assert not {key for key in statement if key.startswith("incompatible_")}
    assert statement["source_type"] == "SOURCE_TRUSTED_FLAGGER"
    assert statement["source_identity"] == "A trusted flagger organisation"
    assert statement["automated_detection"] == "No"


def test_only_the_account_decision_is_stated(reader):
    statement = reader.get(sor_url(suspension())).json()
    assert not {"decision_visibility", "decision_monetary", "decision_provision"} & set(statement)
    assert "account_type" not in statement and "category_specification" not in statement
    assert "incompatible_content_illegal" not in statement  # the platform did not say


def test_the_source_identity_is_never_sent_for_the_platforms_own_initiative(reader):
    statement = reader.get(sor_url(suspension(source_identity="Internal trust & safety team"))).json()
    assert statement["source_type"] == "SOURCE_VOLUNTARY" and "source_identity" not in statement


def test_nothing_of_recourse_or_the_appeal_goes_into_the_statement(reader):
    case = suspension(content_description="A photo of a banner.", detection_rule="rule-42")
    statement = reader.get(sor_url(case)).json()
    assert not RECOURSE_OWN & set(statement)
    for own in (case.account_email, "A photo of a banner.", "rule-42"):
        assert own not in json.dumps(statement)


def test_every_statement_matches_the_schema_that_describes_it(reader):
    for case in (suspension(), suspension(end_date_account_restriction=START + timedelta(days=1))):
        statement = reader.get(sor_url(case)).json()
        serializer = StatementOfReasonsSerializer(data=statement)
        assert serializer.is_valid(), serializer.errors
        assert set(statement) <= set(serializer.fields)


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"content_date": None}, ["content_date"]),
        ({"content_type": []}, ["content_type"]),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, ["content_type_other"]),
        ({"territorial_scope": []}, ["territorial_scope"]),
        ({"incompatible_content_explanation": ""}, ["incompatible_content_explanation"]),
        ({"content_date": None, "territorial_scope": []}, ["content_date", "territorial_scope"]),
    ],
)
def test_a_statement_the_database_would_refuse_is_409_naming_what_it_lacks(reader, fields, missing):
    response = reader.get(sor_url(suspension(**fields)))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "incomplete_statement" and list(body["errors"]) == missing


def test_an_illegal_content_statement_needs_its_explanation(reader):
    case = suspension(
        decision_ground=DecisionGround.ILLEGAL_CONTENT,
        illegal_content_legal_ground="§ 86a StGB",
        illegal_content_explanation="",
    )
    response = reader.get(sor_url(case))
    assert response.status_code == 409 and list(response.json()["errors"]) == ["illegal_content_explanation"]


# --- who may read ------------------------------------------------------------------------------------------------


def test_an_unknown_suspension_is_404_json(reader):
    response = reader.get(sor_url(999999))
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no suspension with this id.", "code": "not_found"}


def test_no_key_is_401(db):
    assert APIClient().get(sor_url(suspension())).status_code == 401


def test_a_key_without_appeals_read_is_403(api_client):
    response = api_client("suspensions:write").get(sor_url(suspension()))
    assert response.status_code == 403
    assert response.json()["detail"] == "This API key lacks the appeals:read scope."


def test_a_revoked_key_is_401(reader):
    api_key_revoke(actor=Actor.system("tests"), key=reader.key)
    assert reader.get(sor_url(suspension())).status_code == 401


def test_a_reviewer_signed_in_to_the_dashboard_may_read_it(rita):
    case = suspension()
    response = staff_client(rita).get(sor_url(case), HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and response.json()["puid"] == case.puid


# --- the export command ------------------------------------------------------------------------------------------


def export(*args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sor_export", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def applied(moment: datetime, **fields) -> Suspension:
    return make_suspension(informed=False, application_date=moment, **{**COMPLETE, **fields})


def test_the_export_holds_exactly_the_periods_statements(db):
    before = applied(datetime(2025, 2, 28, 23, 59, 59, tzinfo=UTC))
    first = applied(datetime(2025, 3, 1, 0, 0, tzinfo=UTC))
    last = applied(datetime(2025, 3, 31, 23, 59, 59, tzinfo=UTC))
    after = applied(datetime(2025, 4, 1, 0, 0, tzinfo=UTC), content_date=date(2025, 3, 30))
    body, err = export("--since", "2025-03-01", "--until", "2025-04-01")
    assert list(body) == ["statements"]
    assert [statement["puid"] for statement in body["statements"]] == [first.puid, last.puid]
    assert {before.puid, after.puid}.isdisjoint(statement["puid"] for statement in body["statements"])
    assert "2 statements of reasons" in err


def test_the_export_is_the_same_statement_the_api_gives(reader):
    case = applied(START, end_date_account_restriction=START + timedelta(days=3))
    body, _err = export("--since", "2025-03-10", "--until", "2025-03-11")
    assert body["statements"] == [reader.get(sor_url(case)).json()]


def test_an_empty_period_is_an_empty_list(db):
    body, err = export("--since", "2025-03-01", "--until", "2025-03-02")
    assert body == {"statements": []} and "0 statements" in err


def test_the_export_writes_a_file(db, tmp_path):
    case = applied(START)
    target = tmp_path / "sor.json"
    out = io.StringIO()
    call_command("sor_export", "--since", "2025-03-10", "--until", "2025-03-11", "--output", str(target), stdout=out)
    assert out.getvalue() == ""
    assert [s["puid"] for s in json.loads(target.read_text(encoding="utf-8"))["statements"]] == [case.puid]
    assert not (tmp_path / "sor.json.partial").exists()


def test_incomplete_statements_are_left_out_named_and_the_command_fails(db, tmp_path):
    complete = applied(START)
    incomplete = applied(START, content_date=None)
    target = tmp_path / "sor.json"
    err = io.StringIO()
    with pytest.raises(CommandError, match="1 statements were left out"):
        call_command(
            "sor_export", "--since", "2025-03-10", "--until", "2025-03-11", "--output", str(target), stderr=err
        )
    assert [s["puid"] for s in json.loads(target.read_text(encoding="utf-8"))["statements"]] == [complete.puid]
    assert f"Left out {incomplete.puid}: content_date:" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2025-3-1", "--until", "2025-04-01"], "'2025-3-1' is not a date; give it as YYYY-MM-DD"),
        (["--since", "2025-03-01", "--until", "tomorrow"], "'tomorrow' is not a date"),
        (["--since", "2025-02-30", "--until", "2025-04-01"], "'2025-02-30' is not a date"),
        (["--since", "2025-03-01", "--until", "2025-03-01"], r"--until \(2025-03-01\) must be after --since"),
        (["--since", "2025-03-02", "--until", "2025-03-01"], "must be after"),
        (["--until", "2025-03-01"], "--since"),
    ],
)
def test_a_bad_period_is_refused_with_a_clear_message(db, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("sor_export", *args, stdout=io.StringIO(), stderr=io.StringIO())


def export_queries(count: int) -> int:
    for _ in range(count):
        applied(START)
    with CaptureQueriesContext(connection) as queries:
        body, _err = export("--since", "2025-03-10", "--until", "2025-03-11")
    assert len(body["statements"]) == Suspension.objects.count()
    return len(queries)


def test_the_export_reads_in_one_pass_whatever_the_number_of_rows(db, settings):
    assert export_queries(10) == export_queries(90)
