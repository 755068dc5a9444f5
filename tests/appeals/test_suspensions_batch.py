"""suspensions_ingest_batch: a batch is checked in Python, then written with one insert, one update and one audit
append, so its cost in queries does not grow with its size; the trail still has one event per suspension."""

import io
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from appeals.api.suspension_serializers import StatementSerializer, statement_from
from appeals.models import Suspension
from appeals.suspensions import IngestOutcome, Statement, suspensions_ingest_batch
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent

PLATFORM = Actor.system("platform")
# A batch's queries: the waves, the stored rows, a savepoint, the insert (on PostgreSQL: the new keys and a COPY) or
# the update, the audit append (a savepoint, the chain's lock, its head, the new keys and a COPY), and the releases
# of the savepoints (the test's transaction makes the batch's own transaction one more).
BATCH_QUERIES = 14


def statement(puid: str, **changes: Any) -> Statement:
    body = {
        "puid": puid,
        "handle": f"@{puid}-holder",
        "account_email": f"{puid}@example.org",
        "wave": "2026-11-terror-sweep",
        "decision_account": "DECISION_ACCOUNT_SUSPENDED",
        "application_date": "2026-11-02",
        "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
        "incompatible_content_ground": "Community rules §4",
        "category": "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
        "decision_facts": "Three posts quoted a banned group's slogan.",
        "source_type": "SOURCE_VOLUNTARY",
        "automated_detection": "Yes",
        "automated_decision": "AUTOMATED_DECISION_PARTIALLY",
        "territorial_scope": ["DE", "FR"],
        **changes,
    }
    checked = statement_from(body, StatementSerializer())
    assert isinstance(checked, Statement), checked
    return checked


def ingest(*statements: Statement) -> list[tuple[str, str]]:
    return [(r.puid or "", r.outcome) for r in suspensions_ingest_batch(actor=PLATFORM, statements=statements)]


def new_events() -> list[tuple[str, str]]:
    return [(e.action, e.target_id) for e in AuditEvent.objects.filter(action__startswith="suspension.")]


@pytest.mark.parametrize("size", [20, 200])
def test_a_new_batch_costs_the_same_queries_at_20_or_200_statements(db, size, django_assert_max_num_queries):
    ingest(statement("warm-up"))  # the wave exists, as it does for every batch after a wave's first
    batch = [statement(f"sor-{number}") for number in range(size)]
    with django_assert_max_num_queries(BATCH_QUERIES):
        results = ingest(*batch)
    assert {outcome for _puid, outcome in results} == {IngestOutcome.CREATED}
    assert Suspension.objects.count() == size + 1
    assert AuditEvent.objects.filter(action="suspension.received").count() == size + 1


@pytest.mark.parametrize("size", [20, 200])
def test_a_batch_of_corrections_costs_the_same_queries_at_20_or_200(db, size, django_assert_max_num_queries):
    ingest(*(statement(f"sor-{number}") for number in range(size)))
    corrections = [statement(f"sor-{number}", decision_facts=f"Post {number} only.") for number in range(size)]
    with django_assert_max_num_queries(BATCH_QUERIES):
        results = ingest(*corrections)
    assert {outcome for _puid, outcome in results} == {IngestOutcome.UPDATED}
    assert Suspension.objects.get(puid="sor-7").decision_facts == "Post 7 only."
    assert AuditEvent.objects.filter(action="suspension.updated", data={"fields": ["decision_facts"]}).count() == size


def test_each_suspension_gets_its_own_event_in_statement_order_and_the_chain_verifies(db):
    ingest(statement("b"), statement("a"), statement("c"))
    ids = dict(Suspension.objects.values_list("puid", "pk"))
    assert new_events() == [("suspension.received", str(ids[puid])) for puid in "bac"]
    received = AuditEvent.objects.get(action="suspension.received", target_id=str(ids["a"]))
    assert (received.actor_label, received.data) == ("platform", {"puid": "a"})
    call_command("audit_verify", stdout=io.StringIO())


def test_rows_written_in_bulk_read_back_as_a_single_ingest_stores_them(db):
    ingest(statement("bulk", handle="@Ömer_Example "))
    stored = Suspension.objects.select_related("wave").get(puid="bulk")
    assert (stored.handle_key, stored.wave and stored.wave.key) == ("ömer_example", "2026-11-terror-sweep")
    assert stored.received_at is not None and stored.updated_at is not None


def test_made_and_corrected_in_one_batch_is_one_row_as_corrected_with_both_events(db):
    corrected = statement("a", decision_facts="Corrected.")
    results = ingest(statement("a"), corrected, corrected)
    assert results == [("a", "created"), ("a", "updated"), ("a", "unchanged")]
    stored = Suspension.objects.get()
    assert stored.decision_facts == "Corrected."
    assert new_events() == [("suspension.received", str(stored.pk)), ("suspension.updated", str(stored.pk))]


def test_a_rejected_statement_is_reported_and_leaves_no_row_or_event(db):
    results = ingest(statement("a"), statement("b", incompatible_content_ground=""), statement("c"))
    assert [outcome for _puid, outcome in results] == ["created", "rejected", "created"]
    assert set(Suspension.objects.values_list("puid", flat=True)) == {"a", "c"}
    assert len(new_events()) == 2


def test_an_update_changes_only_the_corrected_rows_fields(db):
    ingest(statement("a"), statement("b"))
    ingest(statement("a", territorial_scope=["AT"]), statement("b", handle="@renamed"))
    a, b = Suspension.objects.order_by("puid")
    assert (a.territorial_scope, a.handle_key) == (["AT"], "a-holder")
    assert (b.territorial_scope, b.handle_key) == (["DE", "FR"], "renamed")
    assert AuditEvent.objects.get(action="suspension.updated", target_id=str(b.pk)).data == {"fields": ["handle"]}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_puid_another_request_creates_meanwhile_falls_back_to_one_at_a_time_and_keeps_the_rest():
    """The other request inserts "x" and holds its transaction open while ours reads no "x" and then waits on it at
    the bulk insert; once the other commits, the bulk insert is refused and each statement is taken on its own."""
    ingest(statement("warm-up"))  # the wave exists before, so the only row the two requests share is "x"
    inserted = threading.Event()

    def other_request() -> None:
        try:
            with transaction.atomic():
                ingest(statement("x"))
                inserted.set()
                wait_until_another_backend_waits_on_a_lock()
        finally:
            connection.close()

    other = threading.Thread(target=other_request)
    other.start()
    assert inserted.wait(timeout=30)
    results = ingest(statement("a"), statement("x"), statement("b"))
    other.join()
    assert results == [("a", "created"), ("x", "unchanged"), ("b", "created")]
    assert Suspension.objects.count() == 4
    assert AuditEvent.objects.filter(action="suspension.received").count() == 4
    call_command("audit_verify", stdout=io.StringIO())


def wait_until_another_backend_waits_on_a_lock() -> None:
    with connection.cursor() as cursor:
        for _attempt in range(3000):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return
            cursor.execute("SELECT pg_sleep(0.01)")
    raise AssertionError("the batch never waited on the other request's insert")
