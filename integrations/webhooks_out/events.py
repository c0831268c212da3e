"""The outbound event types tenants can subscribe to, and the envelope they receive."""

from __future__ import annotations

from datetime import datetime
from typing import Any

WEBHOOK_EVENTS = (
    "run.started",
    "run.succeeded",
    "run.failed",
    "approval.requested",
    "approval.decided",
)
# Sent only to the endpoint named in its payload, by `bmad webhooks test`.
TEST_EVENT = "webhook.test"
DELIVERED_TYPES = (*WEBHOOK_EVENTS, TEST_EVENT)


def envelope(
    event_id: int, event_type: str, tenant_id: str, created_at: datetime, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "id": f"evt_{event_id}",
        "type": event_type,
        "tenant": tenant_id,
        "created_at": created_at.isoformat(),
        "data": data,
    }
