"""Typed readers for settings that come from the environment.

Each reader names the variable in the ImproperlyConfigured it raises, so a bad deployment says what to fix.
"""

import os
import re
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
SUPPORTED_DATABASE_ENGINES = {"django.db.backends.sqlite3", "django.db.backends.postgresql"}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"{name} must be set in the environment.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """An absolute http(s) URL without a trailing slash."""
    value = env_str(name, default).rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ImproperlyConfigured(f"{name} must be an absolute http:// or https:// URL; got {value!r}.")
    return value


def env_redis_url(name: str) -> str:
    """A redis:// (or TLS rediss://) URL with an optional database number, or "" when the variable is unset."""
    value = env_str(name, "")
    if value and not _is_redis_url(value):
        raise ImproperlyConfigured(
            f"{name} must look like redis://host:6379/0 (or rediss:// for TLS); got {_redact(value)!r}."
        )
    return value


def _is_redis_url(value: str) -> bool:
    parts = urlsplit(value)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:  # a port that is not a number, or out of range
        return False
    database_ok = re.fullmatch(r"/?\d*", parts.path) is not None
    return parts.scheme in {"redis", "rediss"} and bool(parts.hostname) and port_ok and database_ok


def database_from_url(name: str, default: str) -> dict[str, Any]:
    """Parse a database URL (sqlite:///path or postgres://user@host:port/db) into a DATABASES entry."""
    url = env_str(name, default)
    # A kept connection is checked before each request reuses it, so after a database restart the first request of
    # each worker opens a new one instead of failing on the dead one.
    max_age = env_int("DATABASE_CONN_MAX_AGE", 0)
    try:
        config: dict[str, Any] = dict(dj_database_url.parse(url, conn_max_age=max_age, conn_health_checks=max_age > 0))
    except Exception as error:  # dj-database-url raises several unrelated types for a malformed URL
        raise ImproperlyConfigured(f"{name} is not a valid database URL ({error}); got {_redact(url)!r}.") from None
    if config["ENGINE"] not in SUPPORTED_DATABASE_ENGINES:
        raise ImproperlyConfigured(
            f"{name} must point to PostgreSQL (postgres://...) or SQLite (sqlite:///...); got {_redact(url)!r}."
        )
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database; got {_redact(url)!r}.")
    return config


def _redact(url: str) -> str:
    """Never echo a database password into logs or tracebacks."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@", 1)
    return url
