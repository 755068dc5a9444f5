"""Backup and restore as docs tell an operator to do it: pg_dump -Fc, pg_restore into a fresh database, then
audit_verify passes there, the append-only triggers came along, and the site serves the restored case."""

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from accounts.models import User
from appeals.models import Appeal, Outcome
from appeals.services import appeal_claim, appeal_decide
from portal.audit.models import AuditEvent

ROOT = Path(settings.BASE_DIR)
TRIGGERS = {"audit_event_append_only", "audit_event_no_truncate", "audit_personal_delete_only"}


def url_for(name: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database with a unique name, dropped afterwards."""
    name = f"audit_restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url_for(database), "SECRET_KEY": "x", "ALLOWED_HOSTS": "testserver"}
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


@contextmanager
def truncate_refused() -> Iterator[None]:
    """Turn the TRUNCATE refusal back on in the test database for a while (tests/conftest.py turns it off so that
    Django can empty the database between tests)."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_no_truncate")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")


# Inside the restored site: a signed-in reviewer opens the case (tests/conftest.py signs in with password and TOTP).
CASE_PAGE = """
from tests.conftest import staff_client
from accounts.models import User
response = staff_client(User.objects.get(email="rita@recourse.test")).get("/review/appeals/{reference}/")
print(response.status_code, "{reference}" in response.content.decode())
"""


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)  # pg_dump reads from its own connection: the data must be committed
def test_a_dump_restored_into_a_fresh_database_verifies_and_serves(
    alice_appeal: Appeal, rita: User, fresh_database: str, tmp_path: Path
) -> None:
    appeal_claim(appeal=alice_appeal, by=rita)
    appeal_decide(appeal=alice_appeal, by=rita, outcome=Outcome.UPHELD, reasons="The posts endorsed the group.")
    head = AuditEvent.rows.order_by("-seq").values_list("seq", "hash").get(seq=AuditEvent.rows.count())
    dump = tmp_path / "recourse.dump"

    with truncate_refused():  # as in production: the dump carries each trigger's state
        subprocess.run(["pg_dump", "-Fc", "-f", str(dump), url_for(connection.settings_dict["NAME"])], check=True)
    subprocess.run(["pg_restore", "--no-owner", "-d", url_for(fresh_database), str(dump)], check=True)

    verified = manage(fresh_database, "audit_verify", f"--expect-head={head[0]}:{head[1]}")
    assert verified.returncode == 0, verified.stderr
    assert f"Audit chain intact: {head[0]} events" in verified.stdout
    assert manage(fresh_database, "migrate", "--check").returncode == 0  # nothing left to apply
    page = manage(fresh_database, "shell", "-c", CASE_PAGE.format(reference=alice_appeal.reference))
    assert page.stdout.splitlines()[-1] == "200 True", page.stderr
    with psycopg.connect(url_for(fresh_database)) as restored:
        enabled = restored.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'")
        assert {name for (name,) in enabled} >= TRIGGERS
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
            restored.execute("DELETE FROM audit_auditevent")
