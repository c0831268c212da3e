"""HMAC-SHA256 signatures for webhooks, in both directions.

Our own scheme (generic receiver and outbound deliveries) signs `"{timestamp}.{body}"`
so a captured request cannot be replayed outside the timestamp window; GitHub's scheme
signs the body alone (`X-Hub-Signature-256: sha256=<hex>`).
"""

from __future__ import annotations

import hashlib
import hmac

from integrations.security.compare import same_secret

TIMESTAMP_HEADER = "X-BMAD-Timestamp"
SIGNATURE_HEADER = "X-BMAD-Signature"
EVENT_HEADER = "X-BMAD-Event"
DELIVERY_HEADER = "X-BMAD-Delivery"
PREFIX = "sha256="


class SignatureError(ValueError):
    """Verification failed; `code` is the machine-readable reason sent to the caller."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _hex(secret: str, data: bytes) -> str:
    return hmac.new(secret.encode(), data, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return PREFIX + _hex(secret, f"{timestamp}.".encode() + body)


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {TIMESTAMP_HEADER: str(timestamp), SIGNATURE_HEADER: sign(secret, timestamp, body)}


def verify_timestamped(
    secret: str,
    timestamp: str | None,
    signature: str | None,
    body: bytes,
    *,
    now: float,
    tolerance: int,
) -> str:
    """The verified signature, computed by us: what a receiver dedupes on, never the header
    as sent (extra bytes around it once made a replay look new)."""
    if not timestamp or not signature:
        raise SignatureError("missing_signature")
    try:
        ts = int(timestamp)
    except ValueError as err:
        raise SignatureError("bad_timestamp") from err
    if abs(now - ts) > tolerance:
        raise SignatureError("expired_timestamp")
    expected = sign(secret, ts, body)
    if not same_secret(expected, signature):
        raise SignatureError("bad_signature")
    return expected


def sign_body(secret: str, body: bytes) -> str:
    """GitHub's X-Hub-Signature-256 value."""
    return PREFIX + _hex(secret, body)


def verify_body(secret: str, signature: str | None, body: bytes) -> None:
    if not signature:
        raise SignatureError("missing_signature")
    if not same_secret(sign_body(secret, body), signature):
        raise SignatureError("bad_signature")
