"""The signature on every webhook request: `Recourse-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`, where the
HMAC is keyed with the endpoint's secret and taken over `<t>.` followed by the exact body bytes. Signing the time
with the body lets a receiver refuse an old request replayed at it; docs/webhook_verifier.py is the receiver's side.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Recourse-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_SECONDS = 300


def signature_compute(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},{SCHEME}={signature_compute(secret, body, timestamp)}"


def signature_verify(
    secret: str, header: str, body: bytes, *, tolerance: int = DEFAULT_TOLERANCE_SECONDS, now: float | None = None
) -> bool:
    """Whether `header` signs `body` with `secret` at a time no more than `tolerance` seconds from now. Any one of
    several v1 values may match, so a sender may sign with an old and a new secret while a rotation settles."""
    timestamp, signatures = _parse(header)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = signature_compute(secret, body, timestamp)
    return any(hmac.compare_digest(expected.encode(), candidate.encode()) for candidate in signatures)


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == SCHEME and value:
            signatures.append(value)
    return timestamp, signatures
