"""Fixed-window request counting in the cache (per process with the local-memory cache, shared with Redis)."""

import hashlib
import logging
import time

from django.core.cache import cache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# What the shared cache raises when it cannot count (Redis down, timed out, out of memory). Limits then fail open:
# refusing everyone would shut appellants out of a complaint system the law requires to be available, while a few
# minutes without limits costs at most some extra mail. The warning in the log says the limits were off.
CacheUnavailable = RedisError


def retry_after(*, scope: str, key: str, limit: int, window: int) -> int:
    """Count one request; return 0 if it is allowed, else the seconds until the window resets."""
    bucket = int(time.time() // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # keys may be personal data: never store them as is
    try:
        count = _count(f"ratelimit:{scope}:{digest}:{bucket}", window)
    except CacheUnavailable as error:
        limit_not_applied(scope, error)
        return 0
    if count <= limit:
        return 0
    return max(1, (bucket + 1) * window - int(time.time()))


def _count(cache_key: str, window: int) -> int:
    cache.add(cache_key, 0, timeout=window)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        return 1


def limit_not_applied(scope: str, error: Exception) -> None:
    logger.warning("Rate limit %s not applied, the request goes through: the cache is unavailable (%s).", scope, error)
