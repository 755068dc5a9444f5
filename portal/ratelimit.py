"""Fixed-window request counting in the cache (per process with the local-memory cache, shared with Redis)."""

import hashlib
import time

from django.core.cache import cache


def retry_after(*, scope: str, key: str, limit: int, window: int) -> int:
    """Count one request; return 0 if it is allowed, else the seconds until the window resets."""
    bucket = int(time.time() // window)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]  # keys may be personal data: never store them as is
    cache_key = f"ratelimit:{scope}:{digest}:{bucket}"
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window)
        count = 1
    if count <= limit:
        return 0
    return max(1, (bucket + 1) * window - int(time.time()))
