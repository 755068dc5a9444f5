"""manage.py seed_demo: every kind of case a demo needs, built through the services, and safe to run again."""

import io
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Model
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from accounts.services import staff_create
from appeals.choices import Category
from appeals.management.commands.seed_demo import (
    ACTIVIST_HANDLES,
    DEFAULT_PASSWORD,
    DETECTION_RULE,
    MIN_WAVE_SIZE,
    STAFF,
    WAVE_KEY,
    all_accounts,
)
from appeals.models import Appeal, AppealStatus, Decision, Message, Notice, NoticeStatus, Outcome, Suspension
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db
COUNTED: tuple[type[Model], ...] = (Suspension, Notice, Appeal, Decision, Message, User, AuditEvent, Notification)


@pytest.fixture(autouse=True)
def _fast_password_hashing() -> Iterator[None]:
    # Argon2 costs about 0.2 s a password, and every test seeds five staff accounts.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


def seed(wave_size: int = 40) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--wave-size", str(wave_size), stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


def test_builds_several_appeals_in_every_status() -> None:
    seed()
    by_status = dict(Appeal.objects.values_list("status").annotate(count=Count("id")).order_by())
    assert set(by_status) == set(AppealStatus.values)
    assert min(by_status.values()) >= 3


def test_creates_staff_in_every_role_with_the_demo_password() -> None:
    seed()
    for role in Role:
        assert User.objects.filter(groups__name=role.value).exists(), role
    ada = User.objects.get(email="ada@recourse.example")
    assert ada.is_superuser and ada.is_staff
    assert User.objects.get(email="rita@recourse.example").check_password(DEFAULT_PASSWORD)


def test_takes_the_password_from_demo_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEMO_PASSWORD", "a-different-demo-passphrase")
    out = seed()
    assert User.objects.get(email="sam@recourse.example").check_password("a-different-demo-passphrase")
    assert "a-different-demo-passphrase" in out


def test_keeps_a_staff_account_that_already_exists() -> None:
    rita = User(email="rita@recourse.example", full_name="Rita (already here)", password=make_password("x" * 20))
    staff_create(actor=Actor.system("tests"), user=rita, roles=[Role.REVIEWER])
    seed()
    rita.refresh_from_db()
    assert rita.full_name == "Rita (already here)"
    assert User.objects.count() == len(STAFF)


def test_leaves_some_suspensions_never_informed_because_every_notice_bounced() -> None:
    seed()
    never_informed = Suspension.objects.never_informed()
    assert never_informed.exists()
    assert not Notice.objects.filter(suspension__in=never_informed, status=NoticeStatus.DELIVERED).exists()
    assert never_informed.filter(handle__in=ACTIVIST_HANDLES).exists()


def test_sweeps_up_the_activists_with_the_same_rule_as_the_rest_of_the_wave() -> None:
    seed()
    activists = Suspension.objects.filter(handle__in=ACTIVIST_HANDLES)
    assert activists.count() == len(ACTIVIST_HANDLES) >= 5
    assert set(activists.values_list("wave__key", "detection_rule")) == {(WAVE_KEY, DETECTION_RULE)}
    assert not activists.filter(appeals__isnull=True).exists()


def test_files_an_unverified_appeal_from_a_new_address_on_a_never_informed_case() -> None:
    seed()
    appeal = Appeal.objects.filter(identity_verified=False, suspension__informed_at__isnull=True).first()
    assert appeal is not None and appeal.suspension is not None
    assert appeal.contact_email != appeal.suspension.account_email


def test_sensitive_reversals_are_final_only_once_a_second_senior_approved_them() -> None:
    seed()
    reversals = Decision.objects.filter(state=Decision.State.FINAL, outcome__in=[Outcome.OVERTURNED, Outcome.MODIFIED])
    sensitive = reversals.filter(appeal__suspension__category=Category.RISK_FOR_PUBLIC_SECURITY)
    assert sensitive.exists()
    for decision in sensitive:
        assert decision.approved_by is not None and decision.approved_by != decision.decided_by
        assert decision.approved_by.has_role(Role.SENIOR_REVIEWER)
    assert reversals.filter(appeal__suspension__category=Category.SCAMS_AND_FRAUD, approved_by=None).exists()


def test_running_twice_creates_nothing_new() -> None:
    seed()
    before = row_counts()
    out = seed()
    assert row_counts() == before
    assert "Nothing new to create" in out


def test_a_larger_wave_later_adds_only_suspensions_without_appeals() -> None:
    seed(MIN_WAVE_SIZE)
    appeals, suspensions = Appeal.objects.count(), Suspension.objects.count()
    seed(MIN_WAVE_SIZE + 10)
    assert Appeal.objects.count() == appeals
    assert Suspension.objects.count() == suspensions + 10


def test_builds_the_same_data_every_time() -> None:
    now = timezone.now()
    first, second = all_accounts(40, now), all_accounts(40, now)
    assert first == second
    handles = [account.handle for account in first]
    assert len(set(handles)) == len(handles)
    assert {account.fields["account_email"].rsplit("@", 1)[1] for account in first} <= {
        "example.org",
        "example.net",
        "example.com",
    }


def test_output_lists_the_site_the_logins_and_the_activists() -> None:
    out = seed()
    assert settings.SITE_URL in out
    assert DEFAULT_PASSWORD in out
    for member in STAFF:
        assert member.email in out
    for handle in ACTIVIST_HANDLES:
        assert f"@{handle}" in out


def test_the_audit_chain_verifies_after_seeding() -> None:
    seed()
    out = io.StringIO()
    call_command("audit_verify", stdout=out)
    assert "Audit chain intact" in out.getvalue()


def test_refuses_a_wave_too_small_for_the_planned_appeals() -> None:
    with pytest.raises(CommandError, match="--wave-size"):
        seed(MIN_WAVE_SIZE - 1)
    assert not Suspension.objects.exists()
