"""Outbound signatures by the Standard Webhooks spec (https://www.standardwebhooks.com).

Headers `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
"{id}.{timestamp}.{body}">`, keyed with the endpoint's `whsec_<base64>` secret, computed by
the `standardwebhooks` library, so any receiver using one of its libraries verifies us with
`Webhook(secret).verify(body, headers)` and no bespoke code.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

SECRET_PREFIX = "whsec_"


def new_endpoint_secret() -> str:
    """24 random bytes, base64, with the `whsec_` prefix the libraries expect."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def signed_headers(secret: str, msg_id: str, sent_at: datetime, body: bytes) -> dict[str, str]:
    timestamp = sent_at.astimezone(UTC)
    signature = Webhook(secret).sign(msg_id=msg_id, timestamp=timestamp, data=body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
    }
