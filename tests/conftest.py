from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import Role, sync_role_permissions
from appeals.models import Appeal, Suspension
from tests.factories import make_appeal, make_staff, make_suspension


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run only the slow load and fault tests (make test-slow)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` are deselected (not skipped) on SQLite; CI runs the suite on both. Tests marked `slow`
    run only with --slow (`make test-slow`), and then alone."""
    slow = config.getoption("--slow")
    on_postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

    def wanted(item: pytest.Item) -> bool:
        if item.get_closest_marker("postgres") and not on_postgres:
            return False
        return bool(item.get_closest_marker("slow")) == slow

    deselected = [item for item in items if not wanted(item)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if wanted(item)]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker) -> None:
    """pytest-django's test database, made when the first test needs it, with one change: Django empties it after
    each transactional test with TRUNCATE, which the audit table refuses on PostgreSQL. The test database lets it
    through; tests/audit turns the refusal back on to prove it."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_no_truncate")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache; every test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _english_afterwards() -> Iterator[None]:
    """LocaleMiddleware leaves the language of the last request active in the thread; later tests expect English."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def roles(db) -> None:
    """The roles the migrations create. The flush that ends a transactional test deletes them (serialized_rollback
    would restore them, but breaks on PostgreSQL after a plain transactional test: its flush re-creates the content
    types under new keys, which then clash with the serialized ones), so they are made again when missing."""
    if Group.objects.filter(name=Role.REVIEWER).exists():
        return
    for app_config in apps.get_app_configs():
        create_permissions(app_config, verbosity=0)
    sync_role_permissions(Group, Permission)


@pytest.fixture
def rita(roles) -> User:
    """A reviewer."""
    return make_staff("rita", Role.REVIEWER)


@pytest.fixture
def rex(roles) -> User:
    """Another reviewer."""
    return make_staff("rex", Role.REVIEWER)


@pytest.fixture
def sam(roles) -> User:
    """A senior reviewer."""
    return make_staff("sam", Role.SENIOR_REVIEWER)


@pytest.fixture
def sue(roles) -> User:
    """A second senior reviewer, for the four-eyes rule."""
    return make_staff("sue", Role.SENIOR_REVIEWER)


@pytest.fixture
def ada(roles) -> User:
    """An administrator."""
    return make_staff("ada", Role.ADMINISTRATOR)


@pytest.fixture
def alice_suspension(db) -> Suspension:
    """Alice, an anti-extremist researcher, suspended in a terrorism sweep; the notice reached her."""
    return make_suspension("alice")


@pytest.fixture
def alice_appeal(alice_suspension) -> Appeal:
    return make_appeal(alice_suspension)


def totp_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the person's authenticator app shows right now."""
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits).token():0{device.digits}d}"


def staff_client(user: User) -> Client:
    """A browser session signed in as `user` with password and TOTP, as the dashboard and admin require."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    session.save()
    return client
