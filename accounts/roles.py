"""Staff roles are Django groups; ROLE_PERMISSIONS is what each may do, applied by migration (see sync)."""

from typing import Any

from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    REVIEWER = "Reviewer", "Reviewer"
    SENIOR_REVIEWER = "Senior reviewer", "Senior reviewer"
    ADMINISTRATOR = "Administrator", "Administrator"


_REVIEWER = [
    "appeals.review_appeal",
    "appeals.decide_appeal",
    "appeals.view_appeal",
    "appeals.view_suspension",
    "appeals.view_notice",
    "appeals.view_message",
    "appeals.view_evidence",
    "appeals.view_decision",
    "appeals.view_wave",
    "notifications.view_notification",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.REVIEWER: _REVIEWER,
    Role.SENIOR_REVIEWER: [
        *_REVIEWER,
        "appeals.approve_decision",
        "appeals.bulk_decide",
        "appeals.decide_misuse",
        "appeals.view_misusemeasure",
        "audit.view_auditevent",
    ],
    Role.ADMINISTRATOR: [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "audit.view_auditevent",
        "notifications.view_notification",
        *[f"appeals.view_{model}" for model in ("appeal", "suspension", "notice", "message", "evidence", "decision")],
        "appeals.view_wave",
        "appeals.view_misusemeasure",
        *[f"appeals.{verb}_reasontemplate" for verb in ("view", "add", "change", "delete")],
        *[
            f"integrations.{verb}_{model}"
            for model in ("integration", "apikey", "webhookendpoint")
            for verb in ("view", "add", "change")
        ],
        "integrations.view_webhookdelivery",
        "integrations.replay_webhookdelivery",
        "integrations.view_webhookattempt",
    ],
}


def sync_roles_migration(apps: Any, schema_editor: Any) -> None:
    """A migration step that applies ROLE_PERMISSIONS. Permissions are normally created after all migrations ran;
    the roles need them now, so they are created first."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def sync_role_permissions(group_model: Any, permission_model: Any) -> None:
    """Give each role exactly the permissions listed above (models passed in, so migrations can use it)."""
    for role, perms in ROLE_PERMISSIONS.items():
        wanted = Q()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        group, _created = group_model.objects.get_or_create(name=role)
        group.permissions.set(permission_model.objects.filter(wanted))
