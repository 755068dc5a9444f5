"""While the database cannot be reached, every door answers a clean 503 with Retry-After (HTML for pages, the API's
JSON error shape under /api/), logs one line instead of a traceback, and /health/ tells load balancers so."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import connections
from django.test import Client

from tests.factories import make_api_key
from tests.network import free_port

FIND_FORM = {"handle": "someone", "email": "someone@example.org"}


@contextmanager
def database_unreachable() -> Iterator[None]:
    """Inside, the default connection points where no database is: a port nothing listens on (PostgreSQL), or a file
    in a folder that does not exist (SQLite). The real connection is put back afterwards, untouched."""
    real = connections["default"]
    if real.vendor == "postgresql":
        unreachable = {**real.settings_dict, "HOST": "127.0.0.1", "PORT": free_port()}
    else:
        unreachable = {**real.settings_dict, "NAME": "/nonexistent-folder-for-tests/recourse.sqlite3"}
    connections["default"] = real.__class__(unreachable, "default")
    try:
        yield
    finally:
        connections["default"].close()
        connections["default"] = real


@pytest.fixture
def database_down(db) -> Iterator[None]:
    with database_unreachable():
        yield


def test_a_page_that_needs_the_database_answers_503_with_retry_after_and_logs_one_line(database_down, caplog) -> None:
    response = Client().post("/appeal/find/", FIND_FORM)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "Briefly unavailable" in page
    assert "Traceback" not in page and "OperationalError" not in page
    [line] = [record for record in caplog.records if record.name == "portal.unavailable"]
    assert line.getMessage().startswith("Database unavailable, answered 503 to POST /appeal/find/: ")
    assert line.exc_info is None


def test_the_503_page_is_in_the_visitors_language(database_down) -> None:
    response = Client().post("/appeal/find/", FIND_FORM, HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 503
    assert '<html lang="de"' in response.content.decode()


def test_the_api_answers_503_in_its_json_error_shape(db) -> None:
    _key, plaintext = make_api_key("appeals:read")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext}")
    assert client.get("/api/v1/appeals/").status_code == 200
    with database_unreachable():
        response = client.get("/api/v1/appeals/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response.json() == {
        "detail": "The service is briefly unavailable. Please try again in a minute.",
        "code": "unavailable",
        "retry_after_seconds": 30,
    }
    documented = client.get("/api/schema/", {"format": "json"}).json()
    answer = documented["paths"]["/api/v1/appeals/"]["get"]["responses"]["503"]
    assert "Retry-After" in answer["headers"]
    assert set(response.json()) <= set(documented["components"]["schemas"]["Error"]["properties"])


def test_health_answers_ok_when_the_database_answers(db) -> None:
    response = Client().get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"] and "max-age=0" in response["Cache-Control"]
    assert not response.cookies


def test_health_answers_503_naming_the_database_when_it_is_down(database_down) -> None:
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "unavailable"}}
    assert response["Retry-After"] == "30"


def test_health_checks_redis_when_it_is_the_cache(db, settings) -> None:
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    response = Client().get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "cache": "unavailable"}}


def test_health_refuses_anything_but_get(db) -> None:
    assert Client().post("/health/").status_code == 405
