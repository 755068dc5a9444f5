import io
import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from appeals.models import Appeal
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.audit.services import audit_record


def tamper(sql: str, params: list[str | int]) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")  # the trigger would refuse otherwise
        cursor.execute(sql, params)


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def test_a_clean_chain_verifies_and_reports_count_and_head(alice_appeal: Appeal) -> None:
    head = AuditEvent.objects.order_by("-seq").first()
    assert head is not None
    assert verify() == f"Audit chain intact: {head.seq} events, head hash {head.hash}\n"


def test_an_empty_chain_verifies(db) -> None:
    assert "0 events" in verify()


def test_a_changed_event_is_named(alice_appeal: Appeal) -> None:
    target = AuditEvent.objects.get(action="appeal.filed")
    tamper("UPDATE audit_auditevent SET actor_label = %s WHERE id = %s", ["someone-else", target.pk])
    with pytest.raises(CommandError, match=rf"broken at event #{target.seq}: its content does not match"):
        verify()


def test_changed_data_is_detected_even_with_a_recomputed_looking_hash(alice_appeal: Appeal) -> None:
    target = AuditEvent.objects.get(action="appeal.filed")
    tamper("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"reference": "RC-FAKE-0000"}', target.pk])
    with pytest.raises(CommandError, match=rf"#{target.seq}"):
        verify()


def test_a_deleted_event_is_named(alice_appeal: Appeal) -> None:
    first = AuditEvent.objects.order_by("seq").first()
    assert first is not None
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [first.pk])
    with pytest.raises(CommandError, match=r"broken at event #2: expected event #1 next"):
        verify()


def test_a_replaced_event_breaks_the_link_to_the_next(alice_appeal: Appeal) -> None:
    events = list(AuditEvent.objects.order_by("seq")[:2])
    tamper("UPDATE audit_auditevent SET hash = %s WHERE id = %s", ["f" * 64, events[0].pk])
    with pytest.raises(CommandError, match=rf"#{events[0].seq}"):
        verify()


def test_events_chain_each_to_the_one_before(alice_appeal: Appeal) -> None:
    events = list(AuditEvent.objects.order_by("seq"))
    assert events[0].prev_hash == "0" * 64
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(events, events[1:], strict=False))
    assert [event.seq for event in events] == list(range(1, len(events) + 1))


@pytest.mark.postgres
def test_postgres_refuses_update_of_an_audit_event(alice_appeal: Appeal) -> None:
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.rows.filter(action="appeal.filed").update(hashed_actor_label="forged")
    assert AuditEvent.rows.get(action="appeal.filed").hashed_actor_label != "forged"


@pytest.mark.postgres
def test_postgres_refuses_delete_of_an_audit_event(alice_appeal: Appeal) -> None:
    count = AuditEvent.objects.count()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent")
    assert AuditEvent.objects.count() == count


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_unbroken_chain() -> None:
    errors: list[BaseException] = []

    def append_many(worker: int) -> None:
        try:
            for number in range(25):
                with transaction.atomic():
                    audit_record(actor=Actor.system(f"w{worker}"), action="test.append", target=("t", str(number)))
        except BaseException as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_many, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert "100 events" in verify()
