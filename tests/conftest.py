import pytest
from django.conf import settings

from accounts.models import User
from accounts.roles import Role
from appeals.models import Appeal, Suspension
from tests.factories import make_appeal, make_staff, make_suspension


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` are deselected (not skipped) on SQLite; CI runs the suite on both."""
    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        return
    deselected = [item for item in items if item.get_closest_marker("postgres")]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker("postgres")]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def rita(db) -> User:
    """A reviewer."""
    return make_staff("rita", Role.REVIEWER)


@pytest.fixture
def rex(db) -> User:
    """Another reviewer."""
    return make_staff("rex", Role.REVIEWER)


@pytest.fixture
def sam(db) -> User:
    """A senior reviewer."""
    return make_staff("sam", Role.SENIOR_REVIEWER)


@pytest.fixture
def sue(db) -> User:
    """A second senior reviewer, for the four-eyes rule."""
    return make_staff("sue", Role.SENIOR_REVIEWER)


@pytest.fixture
def ada(db) -> User:
    """An administrator."""
    return make_staff("ada", Role.ADMINISTRATOR)


@pytest.fixture
def alice_suspension(db) -> Suspension:
    """Alice, an anti-extremist researcher, suspended in a terrorism sweep; the notice reached her."""
    return make_suspension("alice")


@pytest.fixture
def alice_appeal(alice_suspension) -> Appeal:
    return make_appeal(alice_suspension)
