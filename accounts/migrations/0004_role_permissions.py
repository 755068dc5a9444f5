"""Bring the roles up to accounts.roles.ROLE_PERMISSIONS (adds the reason templates for administrators)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import sync_role_permissions


def sync(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    sync_role_permissions(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_appellant_access"),
        ("appeals", "0004_reason_templates"),
    ]

    operations = [migrations.RunPython(sync, migrations.RunPython.noop)]
