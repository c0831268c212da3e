"""Process each inbound event once, across all processes (Slack retries, webhook replays),
and answer an API retry with the very response its first attempt got (Idempotency-Key)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import redis

from integrations.redis_store import key

EVENT_TTL_SECONDS = 24 * 3600


def event_key(tenant_id: str, event_id: str) -> str:
    return key(tenant_id, "event", event_id)


def claim_event(
    client: redis.Redis, tenant_id: str, event_id: str, token: str | None = None
) -> bool:
    """True for the first caller with this event id in 24 h (Redis SET NX EX), and again
    for that caller's `token` (its own retry of a turn that failed before acting)."""
    where = event_key(tenant_id, event_id)
    if client.set(where, token or "1", nx=True, ex=EVENT_TTL_SECONDS):
        return True
    return token is not None and client.get(where) in (token, token.encode())


def release_event(client: redis.Redis, tenant_id: str, event_id: str) -> None:
    """Undo a claim when the turn failed before answering, so a retry is answered."""
    client.delete(event_key(tenant_id, event_id))


# -- stored responses (Idempotency-Key on the HTTP API) --------------------------------------

RESPONSE_TTL_SECONDS = 24 * 3600
# A request still being handled holds its key this long at most (a crashed process frees it).
PENDING_TTL_SECONDS = 120


@dataclass(frozen=True)
class StoredResponse:
    """The answer given to the first request with an Idempotency-Key, replayed to retries."""

    status: int
    body: dict[str, Any]


class KeyBusy(Exception):
    """A request with this key is still being handled (answer 409, retry shortly)."""


class KeyReused(Exception):
    """The key was first used for a different request (answer 422: a client bug)."""


def _response_key(tenant_id: str, idempotency_key: str) -> str:
    digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:40]
    return key(tenant_id, "idem", digest)


def begin_request(
    client: redis.Redis, tenant_id: str, idempotency_key: str, fingerprint: str
) -> StoredResponse | None:
    """None: this request is the first with the key and must be handled (then `store_response`
    or `forget_request`). A StoredResponse: replay it. Raises KeyBusy / KeyReused."""
    where = _response_key(tenant_id, idempotency_key)
    pending = json.dumps({"fingerprint": fingerprint, "pending": True})
    if client.set(where, pending, nx=True, ex=PENDING_TTL_SECONDS):
        return None
    raw = client.get(where)
    if raw is None:  # expired between the two calls: handle it as new
        return begin_request(client, tenant_id, idempotency_key, fingerprint)
    stored = json.loads(raw)
    if stored["fingerprint"] != fingerprint:
        raise KeyReused()
    if stored.get("pending"):
        raise KeyBusy()
    return StoredResponse(status=int(stored["status"]), body=stored["body"])


def store_response(
    client: redis.Redis,
    tenant_id: str,
    idempotency_key: str,
    fingerprint: str,
    response: StoredResponse,
) -> None:
    document = {"fingerprint": fingerprint, "status": response.status, "body": response.body}
    client.set(
        _response_key(tenant_id, idempotency_key), json.dumps(document), ex=RESPONSE_TTL_SECONDS
    )


def forget_request(client: redis.Redis, tenant_id: str, idempotency_key: str) -> None:
    """The request was not answered for good (503, 429): a retry must be handled again."""
    client.delete(_response_key(tenant_id, idempotency_key))
