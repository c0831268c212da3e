"""Process each inbound event once, across all processes (Slack retries, webhook replays)."""

from __future__ import annotations

import redis

from integrations.redis_store import key

EVENT_TTL_SECONDS = 24 * 3600


def event_key(tenant_id: str, event_id: str) -> str:
    return key(tenant_id, "event", event_id)


def claim_event(client: redis.Redis, tenant_id: str, event_id: str) -> bool:
    """True for the first caller with this event id in 24 h (Redis SET NX EX)."""
    return bool(client.set(event_key(tenant_id, event_id), "1", nx=True, ex=EVENT_TTL_SECONDS))


def release_event(client: redis.Redis, tenant_id: str, event_id: str) -> None:
    """Undo a claim when the turn failed before answering, so a retry is answered."""
    client.delete(event_key(tenant_id, event_id))
