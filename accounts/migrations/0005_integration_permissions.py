"""Bring the roles up to accounts.roles.ROLE_PERMISSIONS (administrators manage integrations, keys and webhooks)."""

from django.db import migrations

from accounts.roles import sync_roles_migration


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_role_permissions"),
        ("integrations", "0001_integrations"),
    ]

    operations = [migrations.RunPython(sync_roles_migration, migrations.RunPython.noop)]
