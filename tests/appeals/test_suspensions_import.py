"""manage.py suspensions_import: a wave from a JSON Lines or CSV file goes through the API's checks and the same
batch service, audited as the command; a bad line is rejected by number and the rest go in."""

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from appeals.models import Suspension
from portal.audit.models import AuditEvent
from tests.appeals.test_suspensions_batch import BATCH_QUERIES


def statement(puid: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "puid": puid,
        "handle": f"@{puid}-holder",
        "account_email": f"{puid}@example.org",
        "wave": "2026-11-terror-sweep",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "application_date": "2026-11-02",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community rules §4",
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "category_specification": ["KEYWORD_TERRORIST_CONTENT"],
        "decision_facts": "Three posts quoted a banned group's slogan.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "territorial_scope": ["DE", "FR"],
    }
    body.update(changes)
    return body


def jsonl(path: Path, *lines: dict[str, Any] | str) -> Path:
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines))
    return path


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("suspensions_import", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[str, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as refusal:
        call_command("suspensions_import", *args, stdout=out, stderr=err)
    return str(refusal.value), out.getvalue(), err.getvalue()


def test_a_jsonl_file_is_imported_and_audited_as_the_command(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", statement("a"), statement("b"), statement("c"))
    out, _err = run(str(path))
    assert out == f"3 statement(s) from {path}: 3 created, 0 updated, 0 unchanged, 0 rejected.\n"
    assert set(Suspension.objects.values_list("puid", flat=True)) == {"a", "b", "c"}
    events = AuditEvent.objects.filter(action="suspension.received")
    assert {(event.actor_kind, event.actor_label) for event in events} == {("system", "manage.py suspensions_import")}
    assert events.count() == 3


def test_a_csv_file_names_the_api_fields_as_columns_and_splits_lists_on_a_bar(db, tmp_path):
    row = statement("a", handle="@Jo", wave=None, end_date_account_restriction=None, territorial_scope=["FR", "DE"])
    path = csv_file(tmp_path / "wave.csv", {**row, "content_type": '["CONTENT_TYPE_TEXT", "CONTENT_TYPE_IMAGE"]'})
    out, _err = run(str(path))
    assert "1 created" in out
    stored = Suspension.objects.get(puid="a")
    assert (stored.handle_key, stored.wave, stored.end_date_account_restriction) == ("jo", None, None)
    assert stored.territorial_scope == ["DE", "FR"]
    assert stored.content_type == ["CONTENT_TYPE_IMAGE", "CONTENT_TYPE_TEXT"]
    assert (stored.automated_detection, stored.category_specification) == (True, ["KEYWORD_TERRORIST_CONTENT"])


def csv_file(path: Path, *rows: dict[str, Any]) -> Path:
    """Statements as CSV rows with a header, lists as DE|FR and None as an empty cell."""
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "|".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return path


def test_importing_the_same_file_again_changes_nothing_and_a_corrected_file_updates(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", statement("a"), statement("b"))
    run(str(path))
    events = AuditEvent.objects.count()
    out, _err = run(str(path))
    assert out.endswith(": 0 created, 0 updated, 2 unchanged, 0 rejected.\n")
    assert AuditEvent.objects.count() == events
    jsonl(path, statement("a"), statement("b", decision_facts="Four posts."))
    out, _err = run(str(path))
    assert out.endswith(": 0 created, 1 updated, 1 unchanged, 0 rejected.\n")
    assert Suspension.objects.get(puid="b").decision_facts == "Four posts."


def test_a_bad_line_is_rejected_by_number_and_the_rest_go_in(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", statement("a"), statement("b", category="NOPE"), statement("c"))
    rejects = tmp_path / "rejects.jsonl"
    message, out, err = refused(str(path), "--rejects", str(rejects))
    assert message == "1 line(s) rejected; the others were imported."
    assert out.endswith(": 2 created, 0 updated, 0 unchanged, 1 rejected.\n")
    assert err == 'line 2 (b): category: "NOPE" is not a valid choice.\n'
    assert json.loads(rejects.read_text()) == {
        "line": 2,
        "puid": "b",
        "errors": {"category": ['"NOPE" is not a valid choice.']},
    }
    assert set(Suspension.objects.values_list("puid", flat=True)) == {"a", "c"}


def test_a_rule_the_service_checks_is_rejected_by_line_too(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", statement("a", decision_ground="DECISION_GROUND_ILLEGAL_CONTENT"))
    _message, _out, err = refused(str(path))
    assert err == "line 1 (a): illegal_content_legal_ground: Required when decision_ground is illegal content.\n"


def test_a_line_that_is_not_json_is_rejected_and_blank_lines_still_count(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", statement("a"), "", '{"puid": "b",', statement("c"))
    _message, out, err = refused(str(path))
    assert err == "line 3: Not valid JSON: Expecting property name enclosed in double quotes (column 14).\n"
    assert "2 created" in out and "1 rejected" in out


def test_a_line_that_is_not_a_statement_is_rejected(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", '["a", "list"]', statement("b"))
    _message, _out, err = refused(str(path))
    assert err.startswith("line 1: Invalid data. Expected a dictionary")


def test_a_line_that_is_not_utf8_is_rejected(db, tmp_path):
    path = tmp_path / "wave.jsonl"
    path.write_bytes(json.dumps(statement("a")).encode() + b"\n" + b'{"puid": "b\xff"}\n')
    _message, out, err = refused(str(path))
    assert err == "line 2: Not UTF-8 text.\n"
    assert "1 created" in out


def test_an_unknown_csv_column_refuses_the_file_before_importing_anything(db, tmp_path):
    path = csv_file(tmp_path / "wave.csv", {**statement("a"), "categroy": "typo"}, {**statement("b"), "categroy": ""})
    message, _out, _err = refused(str(path))
    assert message.startswith("Unknown column(s): categroy. Columns are named as the API's fields: puid, handle")
    assert message.endswith("Nothing was imported.")
    assert not Suspension.objects.exists()


def test_a_csv_row_with_missing_cells_is_rejected_by_line(db, tmp_path):
    path = csv_file(tmp_path / "wave.csv", statement("a"), statement("b"))
    path.write_text(path.read_text() + "c,@c\n")
    _message, out, err = refused(str(path))
    assert err == "line 4: Expected 15 cells as in the header, found 2.\n"
    assert "2 created" in out


def test_a_missing_csv_column_is_a_missing_field_on_every_row(db, tmp_path):
    row = statement("a")
    del row["decision_facts"]
    _message, _out, err = refused(str(csv_file(tmp_path / "wave.csv", row)))
    assert err == "line 2 (a): decision_facts: This field is required.\n"


@pytest.mark.parametrize("name", ["empty.jsonl", "empty.csv"])
def test_an_empty_file_imports_nothing(db, tmp_path, name):
    path = tmp_path / name
    path.write_text("")
    out, _err = run(str(path))
    assert out == f"0 statement(s) from {path}: 0 created, 0 updated, 0 unchanged, 0 rejected.\n"


def test_a_file_whose_format_cannot_be_told_must_name_it(db, tmp_path):
    path = jsonl(tmp_path / "wave.txt", statement("a"))
    message, _out, _err = refused(str(path))
    assert message == f"Cannot tell the format of {path}: name it with --format jsonl or --format csv."
    out, _err = run(str(path), "--format", "jsonl")
    assert "1 created" in out


def test_a_missing_file_is_named(db, tmp_path):
    message, _out, _err = refused(str(tmp_path / "nowhere.jsonl"))
    assert message == f"Cannot read {tmp_path / 'nowhere.jsonl'}: No such file or directory."


def test_a_dash_reads_standard_input(db, monkeypatch):
    lines = "".join(json.dumps(statement(puid)) + "\n" for puid in ("a", "b"))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines.encode())))
    out, _err = run("-", "--format", "jsonl")
    assert out == "2 statement(s) from -: 2 created, 0 updated, 0 unchanged, 0 rejected.\n"


def test_the_progress_bar_is_drawn_on_stderr_when_asked(db, tmp_path):
    path = jsonl(tmp_path / "wave.jsonl", statement("a"))
    _out, err = run(str(path), "--progress")
    assert "Importing: 100%" in err


@pytest.mark.parametrize("batch", [20, 200])
def test_each_batch_costs_the_same_queries_whatever_its_size(db, tmp_path, batch, django_assert_max_num_queries):
    run(str(jsonl(tmp_path / "first.jsonl", statement("first"))))  # the wave exists, as after a wave's first batch
    path = jsonl(tmp_path / "wave.jsonl", *(statement(f"sor-{number}") for number in range(3 * batch)))
    with django_assert_max_num_queries(3 * BATCH_QUERIES):
        out, _err = run(str(path), "--batch", str(batch))
    assert f"{3 * batch} created" in out
