import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured

from portal.environment import database_from_url, env_bool, env_int, env_url

ROOT = Path(__file__).resolve().parents[2]


def start_django(**env: str) -> subprocess.CompletedProcess[str]:
    """Start Django in a fresh process with exactly this environment, as a deployment would."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "portal.settings", **env}
    code = (
        "import django; from django.conf import settings; django.setup(); print(settings.DATABASES['default']['NAME'])"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60)


def test_startup_refuses_a_malformed_database_url_and_names_it() -> None:
    result = start_django(SECRET_KEY="x", DATABASE_URL="postgres://user@host:notaport/db")
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_URL is not a valid database URL" in result.stderr


def test_startup_refuses_an_unsupported_database_and_hides_the_password() -> None:
    result = start_django(SECRET_KEY="x", DATABASE_URL="mysql://admin:hunter2@db/recourse")
    assert result.returncode != 0
    assert "DATABASE_URL must point to PostgreSQL" in result.stderr
    assert "hunter2" not in result.stderr


def test_startup_without_secret_key_names_it_when_debug_is_off() -> None:
    result = start_django(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DEBUG is off" in result.stderr


def test_startup_accepts_a_postgres_url() -> None:
    result = start_django(SECRET_KEY="x", DATABASE_URL="postgres://postgres@127.0.0.1:5432/recourse")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "recourse"


def test_sqlite_is_the_default_database() -> None:
    result = start_django(SECRET_KEY="x", RECOURSE_DATA_DIR="/tmp/recourse-data")
    assert result.stdout.strip() == "/tmp/recourse-data/recourse.sqlite3"


def test_a_database_url_without_a_name_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL names no database"):
        database_from_url("DATABASE_URL", "sqlite:///x")


@pytest.mark.parametrize(
    ("reader", "value", "message"),
    [
        (lambda: env_bool("DEBUG"), "maybe", "DEBUG must be one of"),
        (lambda: env_int("EMAIL_PORT", 25, minimum=1), "twenty", "EMAIL_PORT must be a whole number"),
        (lambda: env_int("EMAIL_PORT", 25, minimum=1), "0", "EMAIL_PORT must be at least 1"),
        (lambda: env_url("SITE_URL", "http://x"), "example.org", "SITE_URL must be an absolute"),
    ],
)
def test_bad_values_name_their_variable(monkeypatch: pytest.MonkeyPatch, reader, value: str, message: str) -> None:
    name = message.split()[0]
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        reader()


def test_an_appeal_window_shorter_than_six_months_is_refused() -> None:
    result = start_django(SECRET_KEY="x", APPEAL_WINDOW_DAYS="20")
    assert "APPEAL_WINDOW_DAYS must be at least 184" in result.stderr


def test_passwords_are_hashed_with_argon2() -> None:
    assert make_password("a long enough passphrase").startswith("argon2$")
