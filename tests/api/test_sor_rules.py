"""The Transparency Database's rules (appeals.sor_rules), each broken once and named, and the whole demo export
checked against them field by field."""

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from appeals.management.commands.seed_demo import MIN_WAVE_SIZE
from appeals.models import Suspension
from appeals.sor_rules import RULES, RuleError, errors_by_field, statement_errors
from tests.factories import make_suspension

VALID: dict[str, Any] = {
    "decision_account": "DECISION_ACCOUNT_SUSPENDED",
    "end_date_account_restriction": "2025-04-09",
    "account_type": "ACCOUNT_TYPE_PRIVATE",
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "incompatible_content_ground": "Community rules §4: violent extremism",
    "incompatible_content_explanation": "Posts shared material from a designated group.",
    "incompatible_content_illegal": "No",
    "content_type": ["CONTENT_TYPE_TEXT"],
    "category": "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
    "territorial_scope": ["DE", "FR"],
    "content_date": "2025-03-09",
    "application_date": "2025-03-10",
    "decision_facts": "Three posts on 2 November quoted a banned group's slogan.",
    "source_type": "SOURCE_TRUSTED_FLAGGER",
    "source_identity": "A trusted flagger organisation",
    "automated_detection": "Yes",
    "automated_decision": "AUTOMATED_DECISION_FULLY",
    "puid": "sor-2025-03-10_000123",
}
ILLEGAL = {
    "decision_ground": "DECISION_GROUND_ILLEGAL_CONTENT",
    "illegal_content_legal_ground": "§ 86a StGB",
    "illegal_content_explanation": "Symbols of an unconstitutional organisation.",
    "incompatible_content_ground": None,
    "incompatible_content_explanation": None,
    "incompatible_content_illegal": None,
}
DROP = None  # a field set to DROP is left out of the statement


def changed(**fields: Any) -> dict[str, Any]:
    statement = {**VALID, **fields}
    return {name: value for name, value in statement.items() if value is not DROP}


def broken(statement: dict[str, Any]) -> set[tuple[str, str]]:
    return {(error.field, error.rule) for error in statement_errors(statement)}


def test_a_statement_that_keeps_every_rule_has_no_errors():
    assert statement_errors(VALID) == []
    assert statement_errors(changed(**ILLEGAL)) == []


def test_every_rule_names_where_it_comes_from():
    sources = {rule.source for rule in RULES}
    assert sources <= {
        "transparency.dsa.ec.europa.eu/page/api-documentation",
        "transparency-database: GroupedSubmissionsService::multi_rules",
    }


@pytest.mark.parametrize(
    ("fields", "field", "rule"),
    [
        # required
        ({"decision_ground": DROP}, "decision_ground", "required"),
        ({"content_type": []}, "content_type", "required"),
        ({"category": DROP}, "category", "required"),
        ({"territorial_scope": DROP}, "territorial_scope", "required"),
        ({"content_date": DROP}, "content_date", "required"),
        ({"application_date": DROP}, "application_date", "required"),
        ({"decision_facts": "   "}, "decision_facts", "required"),
        ({"source_type": DROP}, "source_type", "required"),
        ({"automated_detection": DROP}, "automated_detection", "required"),
        ({"automated_decision": DROP}, "automated_decision", "required"),
        ({"puid": ""}, "puid", "required"),
        ({"decision_account": DROP}, "decision_account", "required_without_all"),
        # the ground's own fields
        ({**ILLEGAL, "illegal_content_legal_ground": DROP}, "illegal_content_legal_ground", "required_if"),
        ({**ILLEGAL, "illegal_content_explanation": ""}, "illegal_content_explanation", "required_if"),
        ({"incompatible_content_ground": DROP}, "incompatible_content_ground", "required_if"),
        ({"incompatible_content_explanation": DROP}, "incompatible_content_explanation", "required_if"),
        ({"illegal_content_legal_ground": "§ 86a StGB"}, "illegal_content_legal_ground", "exclude_unless"),
        ({**ILLEGAL, "incompatible_content_illegal": "Yes"}, "incompatible_content_illegal", "exclude_unless"),
        ({"content_type": ["CONTENT_TYPE_OTHER"]}, "content_type_other", "required_if"),
        ({"content_type_other": "A livestream"}, "content_type_other", "exclude_unless"),
        ({"category_specification_other": "x"}, "category_specification_other", "exclude_unless"),
        ({"source_type": "SOURCE_VOLUNTARY"}, "source_identity", "exclude_unless"),
        # allowed values
        ({"decision_account": "DECISION_ACCOUNT_BANNED"}, "decision_account", "in"),
        ({"account_type": "ACCOUNT_TYPE_ROBOT"}, "account_type", "in"),
        ({"decision_ground": "DECISION_GROUND_OTHER"}, "decision_ground", "in"),
        ({"incompatible_content_illegal": "yes"}, "incompatible_content_illegal", "in"),
        ({"content_type": ["CONTENT_TYPE_TEXT", "CONTENT_TYPE_HOLOGRAM"]}, "content_type", "in"),
        ({"content_type": "CONTENT_TYPE_TEXT"}, "content_type", "array"),
        ({"category": "STATEMENT_CATEGORY_FRAUD"}, "category", "in"),
        ({"category_specification": ["KEYWORD_NOPE"]}, "category_specification", "in"),
        ({"territorial_scope": ["DE", "CH"]}, "territorial_scope", "in"),
        ({"territorial_scope": ["de"]}, "territorial_scope", "in"),
        ({"source_type": "SOURCE_RUMOUR"}, "source_type", "in"),
        ({"automated_detection": True}, "automated_detection", "in"),
        ({"automated_decision": "AUTOMATED_DECISION_MAYBE"}, "automated_decision", "in"),
        # lengths
        ({**ILLEGAL, "illegal_content_legal_ground": "x" * 501}, "illegal_content_legal_ground", "max"),
        ({**ILLEGAL, "illegal_content_explanation": "x" * 2001}, "illegal_content_explanation", "max"),
        ({"incompatible_content_ground": "x" * 501}, "incompatible_content_ground", "max"),
        ({"incompatible_content_explanation": "x" * 2001}, "incompatible_content_explanation", "max"),
        ({"decision_facts": "x" * 5001}, "decision_facts", "max"),
        ({"source_identity": "x" * 501}, "source_identity", "max"),
        ({"content_type": ["CONTENT_TYPE_OTHER"], "content_type_other": "x" * 501}, "content_type_other", "max"),
        ({"puid": "x" * 501}, "puid", "max"),
        ({"decision_facts": 42}, "decision_facts", "string"),
        # the puid's characters
        ({"puid": "sor 2025"}, "puid", "regex"),
        ({"puid": "sor/2025.1"}, "puid", "regex"),
        ({"puid": "sor-2025\n"}, "puid", "regex"),
        ({"puid": "sör-2025"}, "puid", "regex"),
        # dates: format, range, order
        ({"content_date": "2025-3-9"}, "content_date", "date_format"),
        ({"application_date": "2025-03-10T14:30:00Z"}, "application_date", "date_format"),
        ({"application_date": "2025-02-30"}, "application_date", "date_format"),
        ({"end_date_account_restriction": "09/04/2025"}, "end_date_account_restriction", "date_format"),
        ({"content_date": "1999-12-31"}, "content_date", "after_or_equal"),
        ({"application_date": "2019-12-31", "content_date": "2019-12-30"}, "application_date", "after_or_equal"),
        ({"end_date_account_restriction": "2038-01-02"}, "end_date_account_restriction", "before_or_equal"),
        ({"end_date_account_restriction": "2025-03-09"}, "end_date_account_restriction", "after_or_equal"),
        # fields the database does not know
        ({"handle": "jo_example"}, "handle", "known_field"),
    ],
)
def test_each_rule_broken_is_named(fields, field, rule):
    assert (field, rule) in broken(changed(**fields))


def test_an_end_date_on_the_application_date_is_allowed():
    assert statement_errors(changed(end_date_account_restriction="2025-03-10")) == []


def test_an_indefinite_restriction_has_no_end_date():
    assert statement_errors(changed(end_date_account_restriction=DROP)) == []


def test_the_other_keyword_may_be_described():
    statement = changed(category_specification=["KEYWORD_OTHER"], category_specification_other="A new scam")
    assert statement_errors(statement) == []


def test_recourse_refuses_a_decision_applied_after_today():
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    assert ("application_date", "not_future") in broken(changed(application_date=tomorrow))


def test_only_a_temporary_restriction_has_an_end_date() -> None:
    ending = "2038-01-01"
    terminated = changed(decision_account="DECISION_ACCOUNT_TERMINATED", end_date_account_restriction=ending)
    assert broken(terminated) == {("end_date_account_restriction", "only_temporary")}
    assert broken(changed(decision_account="DECISION_ACCOUNT_TERMINATED", end_date_account_restriction=DROP)) == set()
    assert broken(changed(decision_account="DECISION_ACCOUNT_SUSPENDED", end_date_account_restriction=ending)) == set()


def test_errors_are_grouped_by_field_in_name_order():
    errors = [
        RuleError("puid", "regex", "b"),
        RuleError("content_date", "required", "a"),
        RuleError("puid", "max", "c"),
    ]
    assert errors_by_field(errors) == {"content_date": ["a"], "puid": ["b", "c"]}


# --- the export runs every statement through the rules -------------------------------------------------------------


def export(*args: str) -> tuple[dict, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("sor_export", *args, stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_the_export_leaves_out_a_statement_whose_puid_the_database_refuses(db, tmp_path):
    moment = datetime(2025, 3, 10, 14, 30, tzinfo=UTC)
    complete: dict[str, Any] = {
        "content_date": date(2025, 3, 9),
        "content_type": ["CONTENT_TYPE_TEXT"],
        "application_date": moment,
    }
    kept = make_suspension(informed=False, **complete)
    dotted = make_suspension("jo.example", informed=False, **complete)  # our factory puts the handle in the puid
    target, err = tmp_path / "sor.json", io.StringIO()
    with pytest.raises(CommandError, match="1 statements were left out"):
        call_command("sor_export", "--since", "2025-03-10", "--until", "2025-03-11", "--output", target, stderr=err)
    assert [s["puid"] for s in json.loads(target.read_text(encoding="utf-8"))["statements"]] == [kept.puid]
    assert f"Left out {dotted.puid}: puid: Only letters a-z and A-Z, digits, hyphens and underscores" in err.getvalue()


def test_the_api_answers_409_naming_the_rule_broken(api_client):
    tomorrow = timezone.now() + timedelta(days=1)
    case = make_suspension(
        informed=False, application_date=tomorrow, content_date=date(2025, 3, 9), content_type=["CONTENT_TYPE_TEXT"]
    )
    response = api_client("appeals:read").get(f"/api/v1/suspensions/{case.pk}/sor/")
    assert response.status_code == 409
    assert response.json()["errors"] == {"application_date": ["A decision cannot be applied after today."]}


# --- the demo data ---------------------------------------------------------------------------------------------------


@pytest.fixture
def _fast_password_hashing() -> Iterator[None]:
    # seed_demo creates five staff accounts; Argon2 costs about 0.2 s each.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.mark.usefixtures("_fast_password_hashing")
def test_the_demo_datas_export_passes_every_rule_field_by_field(db, django_assert_num_queries):
    call_command("seed_demo", "--wave-size", str(MIN_WAVE_SIZE), stdout=io.StringIO())
    until = (timezone.localdate() + timedelta(days=1)).isoformat()
    with django_assert_num_queries(1):  # streamed: one read, checked as it goes
        body, err = export("--since", "2020-01-01", "--until", until)
    statements = body["statements"]
    assert len(statements) == Suspension.objects.count() > MIN_WAVE_SIZE
    assert "Left out" not in err
    for statement in statements:
        assert statement_errors(statement) == [], statement["puid"]
    checked = {name for statement in statements for name in statement}
    assert checked >= {"end_date_account_restriction", "incompatible_content_illegal", "category_specification"}


# --- the intake refuses what the export could not send ---------------------------------------------------------------


@pytest.mark.parametrize("field", ["application_date", "end_date_account_restriction", "content_date"])
def test_the_intake_refuses_a_day_after_the_databases_last(api_client, field):
    body = {**VALID, "handle": "jo_example", field: "2038-01-02"}
    response = api_client("suspensions:write").post("/api/v1/suspensions/", body, format="json")
    assert response.status_code == 400
    assert "The Transparency Database takes no date after 2038-01-01." in response.json()["errors"][field]
    assert not Suspension.objects.exists()


def test_the_intake_takes_the_databases_last_day(api_client):
    body = {**VALID, "handle": "jo_example", "end_date_account_restriction": "2038-01-01"}
    response = api_client("suspensions:write").post("/api/v1/suspensions/", body, format="json")
    assert response.status_code == 201
