"""Take-next under contention, on PostgreSQL: reviewers pressing the button at the same moment each get a different
appeal, every appeal is handed out exactly once, and the audit chain stays whole."""

import io
import threading
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection

from accounts.models import User
from accounts.roles import Role
from appeals.models import Appeal, AppealStatus
from appeals.services import appeal_claim_next
from portal.audit.models import AuditEvent
from tests.factories import make_appeal, make_staff

# The reviewers made below need the roles, which an earlier transactional test's flush deleted.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("roles")]

APPEALS = 40


def claim_until_empty(reviewers: list[User]) -> tuple[dict[str, list[int]], list[BaseException]]:
    """Each reviewer, in a thread of their own and all starting together, takes the next appeal until none is left.
    Returns what each one got, in order, and any error a thread raised."""
    claimed: dict[str, list[int]] = {reviewer.email: [] for reviewer in reviewers}
    errors: list[BaseException] = []
    start = threading.Barrier(len(reviewers))

    def work(reviewer: User) -> None:
        try:
            start.wait()
            while (appeal := appeal_claim_next(by=reviewer, ip="192.0.2.1")) is not None:
                claimed[reviewer.email].append(appeal.pk)
        except BaseException as error:  # surfaced below: a thread's exception would otherwise vanish
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(reviewer,)) for reviewer in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return claimed, errors


def audit_verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("workers", [2, 4])
def test_reviewers_taking_next_at_once_never_get_the_same_appeal(workers: int) -> None:
    reviewers = [make_staff(f"reviewer{number}", Role.REVIEWER) for number in range(workers)]
    appeals = {make_appeal().pk for _number in range(APPEALS)}
    claimed, errors = claim_until_empty(reviewers)

    assert errors == []
    handed_out = [pk for pks in claimed.values() for pk in pks]
    assert sorted(handed_out) == sorted(appeals)  # every appeal once, none twice
    holders = dict(Appeal.objects.values_list("pk", "assigned_to__email"))
    for email, pks in claimed.items():
        assert {holders[pk] for pk in pks} <= {email}  # each is held by the reviewer it was handed to
    assert set(Appeal.objects.values_list("status", flat=True)) == {AppealStatus.IN_REVIEW}
    events = AuditEvent.objects.filter(action="appeal.claimed")
    assert Counter(events.values_list("target_id", flat=True)) == Counter(str(pk) for pk in appeals)
    assert {(event.actor_id, event.target_id) for event in events} == {
        (str(User.objects.get(email=email).pk), str(pk)) for email, pks in claimed.items() for pk in pks
    }
    assert "Audit chain intact" in audit_verify()


def test_the_most_urgent_appeals_go_first_even_under_contention() -> None:
    """Whoever takes what, the appeals are handed out in order of urgency: each reviewer's own list is in order."""
    reviewers = [make_staff(f"reviewer{number}", Role.REVIEWER) for number in range(3)]
    for _number in range(APPEALS):
        make_appeal()
    urgency = {
        pk: position for position, pk in enumerate(Appeal.objects.order_by("due_at", "id").values_list("pk", flat=True))
    }
    claimed, errors = claim_until_empty(reviewers)
    assert errors == []
    for pks in claimed.values():
        assert pks == sorted(pks, key=urgency.__getitem__)
    assert "Audit chain intact" in audit_verify()
