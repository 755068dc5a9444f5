"""Create the three staff roles with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER = [
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
ROLE_PERMISSIONS = {
    "Reviewer": REVIEWER,
    "Senior reviewer": [*REVIEWER, "appeals.approve_decision", "appeals.bulk_decide", "audit.view_auditevent"],
    "Administrator": [
        "accounts.view_user",
        "accounts.add_user",
        "accounts.change_user",
        "auth.view_group",
        "audit.view_auditevent",
        "notifications.view_notification",
        "appeals.view_appeal",
        "appeals.view_suspension",
        "appeals.view_notice",
        "appeals.view_message",
        "appeals.view_evidence",
        "appeals.view_decision",
        "appeals.view_wave",
    ],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = [perm.split(".") for perm in perms]
        found = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in wanted
        ]
        group.permissions.set(found)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("appeals", "0001_initial"),
        ("audit", "0001_initial"),
        ("notifications", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
