"""Checks `manage.py check --deploy` adds for running Recourse under gunicorn (see README, "Running in production")."""

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Warning

from portal.environment import env_int


def shared_cache_check(**kwargs: Any) -> list[CheckMessage]:
    """Rate limits kept in one worker's memory let a client through once per worker."""
    several_workers = env_int("WEB_CONCURRENCY", 0) != 1  # unset: gunicorn.conf.py starts several
    if settings.REDIS_URL or not several_workers:
        return []
    return [
        Warning(
            "Rate limits are counted in each gunicorn worker's own memory, so every worker allows the full limit.",
            hint="Set REDIS_URL (redis://host:6379/0) so the workers share their counts.",
            id="recourse.W001",
        )
    ]


def static_manifest_check(**kwargs: Any) -> list[CheckMessage]:
    if settings.STATIC_MANIFEST:
        return []
    return [
        Warning(
            "Static files are looked up on every request and browsers may keep them for a minute only.",
            hint="Run `manage.py collectstatic` and set STATIC_MANIFEST=1.",
            id="recourse.W002",
        )
    ]
