"""The outbound event types tenants can subscribe to, and the envelope they receive.

The envelope follows the Standard Webhooks payload shape (`type`, `timestamp`, `data`),
plus our `id` (the same as the `webhook-id` header) and `tenant`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from integrations.webhooks_out.catalog import EVENT_MODELS

WEBHOOK_EVENTS = tuple(EVENT_MODELS)
# Sent only to the endpoint named in its payload, by `bmad webhooks test`.
TEST_EVENT = "webhook.test"
DELIVERED_TYPES = (*WEBHOOK_EVENTS, TEST_EVENT)


def envelope(
    event_id: str, event_type: str, tenant_id: str, created_at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    """`event_id` is the event's public id, also the `webhook-id` header: stable across
    retries and replays, so receivers can dedupe."""
    return {
        "id": event_id,
        "type": event_type,
        "timestamp": created_at.isoformat(),
        "tenant": tenant_id,
        "data": data,
    }
