"""API keys and webhook secrets: made from the system's CSPRNG, keys stored only as a hash."""

import hashlib
import secrets

KEY_PREFIX = "rk"


def key_generate() -> tuple[str, str, str]:
    """A new key as (prefix, whole key, hash of the whole key). The whole key is shown once and never stored."""
    prefix = secrets.token_hex(6)
    whole = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return prefix, whole, key_hash(whole)


def key_hash(whole: str) -> str:
    return hashlib.sha256(whole.encode()).hexdigest()


def key_prefix(whole: str) -> str | None:
    """The prefix of something shaped like one of our keys, else None."""
    parts = whole.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def webhook_secret_generate() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"
