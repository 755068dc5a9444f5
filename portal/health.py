"""/health/ for load balancers and uptime checks: 200 when this process can reach the database (and the cache, when
REDIS_URL makes Redis the cache), 503 otherwise. It names no one and reveals nothing but which part is down."""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from portal.ratelimit import CacheUnavailable
from portal.unavailable import RETRY_AFTER_SECONDS

logger = logging.getLogger(__name__)

HEALTH_CACHE_KEY = "health:probe"


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": _database_answers()}
    if settings.REDIS_URL:
        checks["cache"] = _cache_answers()
    if all(checks.values()):
        return JsonResponse({"status": "ok"})
    down = {name: "ok" if answered else "unavailable" for name, answered in checks.items()}
    response = JsonResponse({"status": "unavailable", "checks": down}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except (DatabaseError, InterfaceError) as error:
        logger.warning("Health check: the database did not answer: %s", error)
        return False


def _cache_answers() -> bool:
    try:
        cache.set(HEALTH_CACHE_KEY, "1", timeout=10)
        return cache.get(HEALTH_CACHE_KEY) == "1"
    except CacheUnavailable as error:  # what the rate limits, too, take for Redis being down
        logger.warning("Health check: the cache did not answer: %s", error)
        return False
