import pytest
from django.contrib.auth.hashers import make_password

from accounts.models import User
from accounts.roles import Role
from accounts.services import staff_create, staff_deactivate, staff_set_roles, staff_update
from portal.audit.actors import Actor
from portal.audit.models import AuditEvent
from portal.rules import RuleViolation


def actor(user: User) -> Actor:
    return Actor.staff(user, "192.0.2.10")


def test_creating_staff_is_audited_with_the_roles(ada: User) -> None:
    user = staff_create(actor=actor(ada), user=User(email="New@Recourse.test", full_name="New"), roles=[Role.REVIEWER])
    event = AuditEvent.objects.for_target(user).get()
    assert event.action == "staff.created" and event.actor_id == str(ada.pk) and event.ip == "192.0.2.10"
    assert event.details == {"email": "new@recourse.test", "roles": ["Reviewer"], "is_staff": False}


def test_an_address_in_other_case_is_the_same_person(ada: User, rita: User) -> None:
    with pytest.raises(RuleViolation, match="already exists"):
        staff_create(actor=actor(ada), user=User(email="RITA@recourse.test", full_name="Rita again"))


def test_changing_roles_is_audited_and_admin_access_follows_the_administrator_role(ada: User, rita: User) -> None:
    staff_set_roles(actor=actor(ada), user=rita, roles=[Role.SENIOR_REVIEWER, Role.ADMINISTRATOR])
    rita.refresh_from_db()
    assert rita.role_names == ["Administrator", "Senior reviewer"] and rita.is_staff
    event = AuditEvent.objects.for_target(rita).filter(action="staff.role_changed").get()
    assert event.data == {"added": ["Administrator", "Senior reviewer"], "removed": ["Reviewer"]}
    staff_set_roles(actor=actor(ada), user=rita, roles=[Role.REVIEWER])
    rita.refresh_from_db()
    assert not rita.is_staff


def test_setting_the_same_roles_records_nothing(ada: User, rita: User) -> None:
    count = AuditEvent.objects.count()
    staff_set_roles(actor=actor(ada), user=rita, roles=[Role.REVIEWER])
    assert AuditEvent.objects.count() == count


def test_deactivation_is_audited_as_its_own_action(ada: User, rita: User) -> None:
    staff_deactivate(actor=actor(ada), user=rita)
    assert not User.objects.get(pk=rita.pk).is_active
    assert list(AuditEvent.objects.for_target(rita).values_list("action", flat=True)) == [
        "staff.created",
        "staff.deactivated",
    ]


def test_nobody_deactivates_themselves(ada: User) -> None:
    with pytest.raises(RuleViolation, match="your own account"):
        staff_deactivate(actor=actor(ada), user=ada)
    assert User.objects.get(pk=ada.pk).is_active


def test_edits_record_which_fields_changed_but_never_the_password(ada: User, rita: User) -> None:
    rita.full_name = "Rita Reviewer"
    rita.password = make_password("another long passphrase")
    staff_update(actor=actor(ada), user=rita)
    event = AuditEvent.objects.for_target(rita).get(action="staff.updated")
    assert event.details == {"changes": {"full_name": ["Rita", "Rita Reviewer"]}}


@pytest.mark.parametrize(
    ("role", "allowed", "refused"),
    [
        (Role.REVIEWER, ["appeals.decide_appeal", "appeals.review_appeal"], ["appeals.approve_decision"]),
        (Role.SENIOR_REVIEWER, ["appeals.approve_decision", "appeals.bulk_decide"], ["accounts.change_user"]),
        (Role.ADMINISTRATOR, ["accounts.change_user", "audit.view_auditevent"], ["appeals.decide_appeal"]),
    ],
)
def test_each_role_carries_its_permissions(db, role: Role, allowed: list[str], refused: list[str]) -> None:
    user = staff_create(
        actor=Actor.system(),
        user=User(email="p@recourse.test", full_name="P", password=make_password("x")),
        roles=[role],
    )
    user = User.objects.get(pk=user.pk)  # fresh permission cache
    assert all(user.has_perm(perm) for perm in allowed)
    assert not any(user.has_perm(perm) for perm in refused)
