"""On PostgreSQL, refuse TRUNCATE of the audit events (row triggers do not fire for it), and any change to the
personal part of an event: retention may delete it, nobody may rewrite it."""

from django.db import migrations

CREATE = """
CREATE TRIGGER audit_event_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();

CREATE OR REPLACE FUNCTION audit_personal_delete_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the personal part of an audit event may be deleted, never changed: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_personal_delete_only
    BEFORE UPDATE ON audit_auditpersonaldata
    FOR EACH ROW EXECUTE FUNCTION audit_personal_delete_only();
"""
DROP = """
DROP TRIGGER IF EXISTS audit_personal_delete_only ON audit_auditpersonaldata;
DROP FUNCTION IF EXISTS audit_personal_delete_only();
DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_personal_data_split")]

    operations = [migrations.RunPython(forwards, backwards)]
