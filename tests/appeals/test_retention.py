"""Retention: an appeal closed longer than RETENTION_DAYS loses its personal data everywhere in the database and the
media directory, the audit trail still verifies, and staff still see the case and its decision."""

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.appellant_access import sign_in_link_request
from accounts.models import AppellantToken, User
from appeals.models import Appeal, AppealStatus, Decision, Evidence, Outcome, Suspension
from appeals.retention import appeals_purge, retention_cutoff, retention_purge
from appeals.services import appeal_answer, appeal_claim, appeal_decide, appeal_request_info, appeal_withdraw
from portal.audit.models import AuditEvent
from tests.appeals.test_appellant_pages import PNG, upload
from tests.conftest import staff_client
from tests.factories import make_appeal, make_suspension

HANDLE = "quillfeather"
EMAIL = "quillfeather@quill-mail.example"
STATEMENT = "My research notebook on sundew propaganda"
ANSWER = "The marmalade screenshots are mine"
EVIDENCE_NAME = "tamarind-proof.png"
CLIENT_IP = "198.51.100.77"
PERSONAL = [HANDLE, "quill-mail.example", STATEMENT, ANSWER, EVIDENCE_NAME, CLIENT_IP]


def database_text_containing(needle: str) -> list[str]:
    """Every table.column in the database whose text holds `needle`, read straight from the tables."""
    found: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = [column[0] for column in cursor.description]
            found += {
                f"{table}.{name}"
                for row in cursor.fetchall()
                for name, value in zip(columns, row, strict=True)
                if needle in str(value)
            }
    return found


def media_files() -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def verify() -> str:
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    return out.getvalue()


def purge(*args: str) -> str:
    out = io.StringIO()
    call_command("retention_purge", *args, stdout=out)
    return out.getvalue()


def closed_long_ago(appeal: Appeal) -> None:
    """Move the closing back past the retention period, as time would."""
    moment = timezone.now() - timedelta(days=settings.RETENTION_DAYS + 1)
    field = "decided_at" if appeal.status == AppealStatus.DECIDED else "withdrawn_at"
    Appeal.objects.filter(pk=appeal.pk).update(**{field: moment})


@pytest.fixture
def decided_case(rita: User) -> Appeal:
    """A full case: filed with evidence from a known address, a request for information answered with another
    file, a sign-in link, decided; then the period passes."""
    suspension = make_suspension(HANDLE, puid="sor-2024-000731", account_email=EMAIL)
    appeal = make_appeal(suspension, statement=STATEMENT, evidence=[upload(EVIDENCE_NAME, PNG)], ip=CLIENT_IP)
    appeal_claim(appeal=appeal, by=rita, ip="192.0.2.10")
    appeal_request_info(appeal=appeal, by=rita, body="Which posts?", reply_by=timezone.now() + timedelta(days=7))
    appeal_answer(appeal=appeal, body=ANSWER, attachments=[upload("second.png", PNG)], ip=CLIENT_IP)
    sign_in_link_request(handle=HANDLE, email=EMAIL, language="en", ip=CLIENT_IP)
    appeal_decide(appeal=appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    appeal.refresh_from_db()
    closed_long_ago(appeal)
    return appeal


def test_the_purge_leaves_no_personal_string_anywhere_and_the_trail_verifies(decided_case: Appeal) -> None:
    assert all(database_text_containing(text) for text in PERSONAL)  # all there before
    assert len(media_files()) == 2

    assert "Purged 1 appeals" in purge()

    assert {text: database_text_containing(text) for text in PERSONAL} == {text: [] for text in PERSONAL}
    assert media_files() == []
    assert "intact" in verify() and "with personal data erased" in verify()


def test_the_purge_keeps_what_the_transparency_report_and_the_decision_need(decided_case: Appeal) -> None:
    before = Appeal.objects.get(pk=decided_case.pk)
    category = Suspension.objects.get(appeals=before).category
    purge()
    appeal = Appeal.objects.get(pk=decided_case.pk)
    kept = ("reference", "status", "reason", "filed_at", "decided_at", "suspension_id", "identity_verified")
    assert {name: getattr(appeal, name) for name in kept} == {name: getattr(before, name) for name in kept}
    assert appeal.purged_at is not None
    decision = Decision.objects.get(appeal=appeal)
    assert (decision.outcome, decision.reasons) == (Outcome.UPHELD, "The posts endorsed the group.")
    suspension = Suspension.objects.get(appeals=appeal)
    assert (suspension.handle, suspension.account_email, suspension.category) == ("", "", category)
    assert Evidence.objects.filter(appeal=appeal).count() == 0
    assert AppellantToken.objects.count() == 0


def test_each_purged_appeal_gets_one_event_without_personal_data(decided_case: Appeal) -> None:
    purge()
    event = AuditEvent.objects.for_target(decided_case).get(action="appeal.purged")
    assert (event.actor_kind, event.actor_label, event.ip) == ("system", "retention", None)
    assert event.data == {"evidence_files": 2, "suspension_purged": True}
    assert event.personal_digest == ""


def test_a_second_run_changes_nothing(decided_case: Appeal) -> None:
    purge()
    events = AuditEvent.objects.count()
    assert "Purged 0 appeals" in purge()
    assert AuditEvent.objects.count() == events


def test_a_dry_run_counts_and_changes_nothing(decided_case: Appeal) -> None:
    events = AuditEvent.objects.count()
    assert "Would purge 1 appeals" in purge("--dry-run")
    assert Appeal.objects.get(pk=decided_case.pk).statement == STATEMENT
    assert AuditEvent.objects.count() == events
    assert len(media_files()) == 2


def test_staff_still_see_the_case_marked_purged(decided_case: Appeal, rita: User) -> None:
    purge()
    response = staff_client(rita).get(f"/review/appeals/{decided_case.reference}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Personal data purged on" in page and "The posts endorsed the group." in page
    assert STATEMENT not in page


def test_an_appeal_closed_within_the_period_is_kept(rita: User) -> None:
    appeal = make_appeal(make_suspension(), statement=STATEMENT)
    appeal_withdraw(appeal=appeal)
    Appeal.objects.filter(pk=appeal.pk).update(
        withdrawn_at=timezone.now() - timedelta(days=settings.RETENTION_DAYS - 1)
    )
    assert "Purged 0 appeals" in purge()
    assert Appeal.objects.get(pk=appeal.pk).statement == STATEMENT


def test_a_suspension_another_appeal_still_needs_keeps_its_handle_and_address(roles) -> None:
    suspension = make_suspension(HANDLE, account_email=EMAIL)
    withdrawn = make_appeal(suspension, statement=STATEMENT)
    appeal_withdraw(appeal=withdrawn)
    closed_long_ago(Appeal.objects.get(pk=withdrawn.pk))
    open_appeal = make_appeal(suspension)  # refiled, still open

    purge()

    assert Appeal.objects.get(pk=withdrawn.pk).statement == ""
    assert Suspension.objects.filter(pk=suspension.pk, handle=HANDLE, account_email=EMAIL).exists()
    assert Appeal.objects.get(pk=open_appeal.pk).contact_email == EMAIL
    assert "intact" in verify()


def test_a_batch_costs_the_same_queries_for_one_appeal_or_many(rita: User, django_assert_max_num_queries) -> None:
    appeals = []
    for _number in range(6):
        appeal = make_appeal(evidence=[upload("a.png", PNG)], ip=CLIENT_IP)
        appeal_withdraw(appeal=appeal)
        appeals.append(Appeal.objects.get(pk=appeal.pk))
        closed_long_ago(appeals[-1])
    with django_assert_max_num_queries(24):
        appeals_purge(appeal_ids=[appeals[0].pk], cutoff=retention_cutoff())
    with django_assert_max_num_queries(24):
        appeals_purge(appeal_ids=[appeal.pk for appeal in appeals[1:]], cutoff=retention_cutoff())
    assert Appeal.objects.filter(purged_at__isnull=False).count() == 6


def test_retention_days_below_the_appeal_window_is_refused(monkeypatch) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from portal.environment import env_int

    monkeypatch.setenv("RETENTION_DAYS", "30")
    with pytest.raises(ImproperlyConfigured, match="RETENTION_DAYS must be at least 184"):
        env_int("RETENTION_DAYS", 730, minimum=settings.APPEAL_WINDOW_DAYS)


def test_sign_in_requests_older_than_the_period_lose_their_personal_part_whatever_they_matched(db) -> None:
    sign_in_link_request(handle="nobody-here", email=EMAIL, language="en", ip=CLIENT_IP)
    event = AuditEvent.objects.get(action="access.link_requested")
    assert (event.actor_id, event.ip) == ("handle:nobody-here", CLIENT_IP)

    retention_purge(cutoff=timezone.now() + timedelta(seconds=1))  # as if the period had passed

    event = AuditEvent.objects.get(action="access.link_requested")
    assert (event.actor_id, event.actor_label, event.ip, event.data) == ("handle", "", None, {"matched": False})
    assert database_text_containing("nobody-here") == [] and database_text_containing(CLIENT_IP) == []
    assert "1 with personal data erased" in verify()
