from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from portal.audit.actors import Actor, normalize_ip
from portal.audit.models import ActorKind
from portal.audit.services import audit_record
from portal.rules import RuleViolation

# Fields whose change is worth a line in the audit trail (never the password hash).
AUDITED_FIELDS = ("email", "full_name", "is_active", "is_staff", "is_superuser")


@transaction.atomic
def staff_create(*, actor: Actor, user: User, roles: Iterable[Role] = ()) -> User:
    """Save a new, unsaved staff user (password already set) and give them their roles."""
    if user.pk is not None:
        raise RuleViolation("This staff account already exists.", code="exists")
    user.email = user.email.strip().lower()
    if User.objects.filter(email__iexact=user.email).exists():
        raise RuleViolation(f"A staff account with the address {user.email} already exists.", code="exists")
    role_names = sorted(role.value for role in roles)
    user.is_staff = _may_use_admin(user, role_names)
    user.save()
    user.groups.set(Group.objects.filter(name__in=role_names))
    audit_record(
        actor=actor,
        action="staff.created",
        target=user,
        data={"email": user.email, "roles": role_names, "is_staff": user.is_staff},
    )
    return user


@transaction.atomic
def staff_update(*, actor: Actor, user: User) -> User:
    """Save edits made to `user` in memory; records each changed field, and (de)activation as its own action."""
    before = User.objects.select_for_update().get(pk=user.pk)
    changes = {
        name: [getattr(before, name), getattr(user, name)]
        for name in AUDITED_FIELDS
        if getattr(before, name) != getattr(user, name)
    }
    if before.is_active and not user.is_active and actor.id == str(user.pk):
        raise RuleViolation("You cannot deactivate your own account.", code="self_deactivate")
    user.save()
    active_change = changes.pop("is_active", None)
    if active_change is not None:
        audit_record(actor=actor, action="staff.deactivated" if active_change[0] else "staff.reactivated", target=user)
    if changes:
        audit_record(actor=actor, action="staff.updated", target=user, data={"changes": changes})
    return user


@transaction.atomic
def staff_deactivate(*, actor: Actor, user: User) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = False
    return staff_update(actor=actor, user=user)


@transaction.atomic
def staff_set_roles(*, actor: Actor, user: User, roles: Iterable[Role]) -> None:
    user = User.objects.select_for_update().get(pk=user.pk)
    before = user.role_names
    after = sorted(role.value for role in roles)
    if before == after:
        return
    user.groups.set(Group.objects.filter(name__in=after))
    if user.is_staff != _may_use_admin(user, after):
        user.is_staff = not user.is_staff
        user.save(update_fields=["is_staff"])
    audit_record(
        actor=actor,
        action="staff.role_changed",
        target=user,
        data={"added": sorted(set(after) - set(before)), "removed": sorted(set(before) - set(after))},
    )


def _may_use_admin(user: User, role_names: list[str]) -> bool:
    """Django admin is for administrators; reviewers work on the dashboard."""
    return user.is_superuser or Role.ADMINISTRATOR.value in role_names


@transaction.atomic
def staff_lockout_record(*, email: str, ip: str | None) -> None:
    """django-axes refused a sign-in: too many wrong passwords for this account from this address. Each refusal goes
    into the trail so an administrator can see a guessing attack afterwards; axes itself holds the lock. A name that
    matches no account is not recorded: it may be a password typed into the wrong field."""
    user = User.objects.filter(email__iexact=email.strip()).first() if email else None
    audit_record(
        actor=Actor(ActorKind.SYSTEM, "", "staff sign-in", normalize_ip(ip)),
        action="staff.sign_in_locked_out",
        target=user if user is not None else ("accounts.user", ""),
        data={"failure_limit": settings.AXES_FAILURE_LIMIT},
    )
