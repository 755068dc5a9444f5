"""Check that a webhook request really comes from Recourse, and is not an old one replayed.

Copy this file into the service that receives Recourse's webhooks; it needs only Python's standard library (3.9+).
Recourse signs each request with the endpoint's secret (shown once when the endpoint is registered) and sends

    Recourse-Signature: t=1764066600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd

where t is when the request was sent (Unix seconds) and v1 is the hex HMAC-SHA256 of `<t>.` followed by the raw
request body. During a secret rotation there may be more than one v1; any one matching is enough.

    import json

    from webhook_verifier import InvalidSignature, verify_webhook

    def receive(request):  # your framework's request
        try:
            verify_webhook(SECRET, request.headers.get("Recourse-Signature", ""), request.body)
        except InvalidSignature:
            return 400
        event = json.loads(request.body)
        ...  # act on the event once: Recourse sends the same `id` again when a delivery is retried
        return 200

Verify the raw bytes as received, before any JSON parsing: re-encoding the JSON changes the bytes and breaks the
signature. Answer with any 2xx once the event is safely stored; anything else (or no answer within 10 seconds)
makes Recourse try again later.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 300  # how old (or how far in the future) a request may be; keep your clock synchronised


class InvalidSignature(Exception):
    """The request is not signed with this secret, or was signed too long ago."""


def verify_webhook(
    secret: str, signature_header: str, body: bytes, *, tolerance: int = TOLERANCE_SECONDS, now: float | None = None
) -> None:
    """Return quietly if `signature_header` signs `body` with `secret` within `tolerance` seconds of `now` (default:
    the current time); otherwise raise InvalidSignature saying why."""
    timestamp, signatures = _parse(signature_header)
    if timestamp is None or not signatures:
        raise InvalidSignature("The Recourse-Signature header is missing or malformed.")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise InvalidSignature("The request was signed outside the allowed time window; it may be a replay.")
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest().encode()
    if not any(hmac.compare_digest(expected, candidate.encode()) for candidate in signatures):
        raise InvalidSignature("The signature does not match the body and the secret.")


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for item in header.split(","):
        name, _, value = item.strip().partition("=")
        if name == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            signatures.append(value)
    return timestamp, signatures
