"""Tamper evidence: PostgreSQL refuses changes to the trail at the database; wherever they get through (SQLite, or
PostgreSQL with triggers bypassed by a superuser) audit_verify names the first broken event, and a head anchored
outside the database catches even a chain rewritten from the start."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from appeals.models import Appeal
from portal.audit.chain import event_hash
from portal.audit.models import AuditEvent, AuditPersonalData
from tests.audit.test_chain import tamper, verify

ROW_FIELDS = (
    "seq", "created_at", "actor_kind", "hashed_actor_id", "hashed_actor_label", "action", "target_type", "target_id",
    "data", "hashed_ip", "prev_hash", "personal_digest",
)  # fmt: skip


def head() -> dict[str, object]:
    out = io.StringIO()
    call_command("audit_head", stdout=out)
    return json.loads(out.getvalue())


def verify_expecting(*anchors: str) -> str:
    out = io.StringIO()
    call_command("audit_verify", *[f"--expect-head={anchor}" for anchor in anchors], stdout=out)
    return out.getvalue()


def rewrite_chain_from_the_start(forged_data: dict[str, object]) -> None:
    """What someone with the code and database access could do: change the first event and recompute every hash
    after it, so the chain is consistent again."""
    prev_hash = "0" * 64
    for number, row in enumerate(AuditEvent.rows.order_by("seq").values("id", *ROW_FIELDS)):
        fields = {name.removeprefix("hashed_"): value for name, value in row.items() if name != "id"}
        fields["data"] = forged_data if number == 0 else fields["data"]
        fields["prev_hash"] = prev_hash
        prev_hash = event_hash(fields)
        tamper(
            "UPDATE audit_auditevent SET data = %s, prev_hash = %s, hash = %s WHERE id = %s",
            [json.dumps(fields["data"]), fields["prev_hash"], prev_hash, row["id"]],
        )


# --- the database refuses (PostgreSQL) ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_postgres_refuses_a_raw_update_of_an_audit_event(alice_appeal: Appeal) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'appeal.forged'")
    assert not AuditEvent.rows.filter(action="appeal.forged").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # TRUNCATE refuses to run beside the test transaction's pending FK checks
def test_postgres_refuses_truncate_of_the_audit_events(alice_appeal: Appeal) -> None:
    count = AuditEvent.rows.count()
    refused = pytest.raises(DatabaseError, match="append-only: TRUNCATE refused")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        # The test database lets Django's own flush through (tests/conftest.py); production refuses it.
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")
        cursor.execute("TRUNCATE audit_auditevent CASCADE")
    assert AuditEvent.rows.count() == count


@pytest.mark.postgres
def test_postgres_refuses_changing_the_personal_part_but_lets_retention_delete_it(alice_appeal: Appeal) -> None:
    personal = AuditPersonalData.objects.first()
    assert personal is not None
    with pytest.raises(DatabaseError, match="deleted, never changed"), transaction.atomic():
        AuditPersonalData.objects.filter(pk=personal.pk).update(ip="192.0.2.66")
    AuditPersonalData.objects.filter(pk=personal.pk).delete()
    assert "1 with personal data erased" in verify()


# --- audit_verify names the first broken event (SQLite and PostgreSQL) ----------------------------------------------


def test_a_raw_update_is_named(alice_appeal: Appeal) -> None:
    target = AuditEvent.rows.get(action="notice.recorded")
    tamper("UPDATE audit_auditevent SET target_id = %s WHERE id = %s", ["999", target.pk])
    with pytest.raises(CommandError, match=rf"broken at event #{target.seq}: its content does not match its hash"):
        verify()


def test_a_raw_delete_in_the_middle_is_named(alice_appeal: Appeal) -> None:
    target = AuditEvent.rows.get(action="notice.recorded")
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [target.pk])
    with pytest.raises(CommandError, match=rf"broken at event #{target.seq + 1}: expected event #{target.seq} next"):
        verify()


def test_an_event_inserted_in_the_middle_is_named(alice_appeal: Appeal) -> None:
    """A forged event, hashed correctly onto the one before it, with the later events moved up one place: the event
    after it no longer links to what precedes it."""
    before = AuditEvent.rows.get(action="notice.recorded")
    tamper("UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq > %s", [before.seq])
    tamper("UPDATE audit_auditevent SET seq = seq - 999999 WHERE seq > 1000000", [])
    fields = {
        "seq": before.seq + 1, "created_at": before.created_at, "actor_kind": "system", "actor_id": "",
        "actor_label": "forger", "action": "appeal.forged", "target_type": "appeals.appeal",
        "target_id": str(alice_appeal.pk), "data": {}, "ip": None, "prev_hash": before.hash,
    }  # fmt: skip
    AuditEvent.rows.create(
        **{("hashed_" + k if k in ("actor_id", "actor_label", "ip") else k): v for k, v in fields.items()},
        hash=event_hash(fields),
    )
    with pytest.raises(CommandError, match=rf"broken at event #{before.seq + 2}: its previous-hash does not match"):
        verify()


def test_two_events_swapped_are_named(alice_appeal: Appeal) -> None:
    first, second = AuditEvent.rows.order_by("seq")[1:3]
    tamper("UPDATE audit_auditevent SET seq = 0 WHERE id = %s", [first.pk])
    tamper("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [first.seq, second.pk])
    tamper("UPDATE audit_auditevent SET seq = %s WHERE id = %s", [second.seq, first.pk])
    with pytest.raises(CommandError, match=rf"broken at event #{first.seq}: its previous-hash does not match"):
        verify()


def test_changed_personal_data_is_named(alice_appeal: Appeal) -> None:
    filed = AuditEvent.rows.get(action="appeal.filed")
    tamper("UPDATE audit_auditpersonaldata SET actor_label = %s WHERE event_id = %s", ["someone-else", filed.pk])
    with pytest.raises(CommandError, match=rf"#{filed.seq}: its personal data does not match its commitment"):
        verify()


def test_erased_personal_data_still_verifies_and_is_counted(alice_appeal: Appeal) -> None:
    erased = AuditPersonalData.objects.count()
    AuditPersonalData.objects.all().delete()
    assert f"{erased} with personal data erased" in verify()


# --- anchoring the head outside the database ------------------------------------------------------------------------


def test_the_head_is_exported_as_json(alice_appeal: Appeal) -> None:
    last = AuditEvent.rows.order_by("-seq").first()
    assert last is not None
    exported = head()
    assert (exported["seq"], exported["hash"], exported["count"]) == (last.seq, last.hash, last.seq)
    assert exported["anchor"] == f"{last.seq}:{last.hash}"
    assert "1 anchored head(s) found" in verify_expecting(str(exported["anchor"]))


def test_an_empty_chain_has_the_genesis_head(db) -> None:
    assert head() == {"seq": 0, "hash": "0" * 64, "created_at": None, "count": 0, "anchor": "0:" + "0" * 64}


def test_a_chain_rewritten_from_the_start_verifies_alone_but_not_against_its_anchor(alice_appeal: Appeal) -> None:
    anchored = head()["anchor"]
    rewrite_chain_from_the_start({"reference": "RC-FORGED"})
    assert "intact" in verify()  # consistent again: only the anchor can tell
    with pytest.raises(CommandError, match=r"its hash is not the anchored .* \(the chain was rewritten\)"):
        verify_expecting(anchored)  # type: ignore[arg-type]


def test_a_chain_cut_back_is_caught_by_its_anchor(alice_appeal: Appeal) -> None:
    exported = head()
    last = AuditEvent.rows.order_by("-seq").first()
    assert last is not None and last.seq == exported["seq"]
    tamper("DELETE FROM audit_auditpersonaldata WHERE event_id = %s", [last.pk])
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    assert "intact" in verify()
    with pytest.raises(CommandError, match=rf"#{exported['seq']}: the anchored event is missing"):
        verify_expecting(exported["anchor"])  # type: ignore[arg-type]


def test_a_malformed_anchor_is_refused_with_a_clear_message(db) -> None:
    with pytest.raises(CommandError, match="--expect-head takes SEQ:HASH"):
        verify_expecting("12:not-a-hash")
