"""One turn at a time per conversation, across processes.

redis-py's `Lock` (token + Lua release) does the work; its `timeout` lets a lock held by a
dead process expire, and `blocking_timeout` bounds how long a message waits its turn.
Waiters poll, so order among messages arriving within the same few milliseconds is
best-effort; messages further apart are handled in arrival order.
"""

from __future__ import annotations

import redis
from redis.lock import Lock

from integrations.redis_store import key

LOCK_TIMEOUT_SECONDS = 60
WAIT_SECONDS = 60


def conversation_lock(client: redis.Redis, tenant_id: str, conversation_key: str) -> Lock:
    return client.lock(
        key(tenant_id, "lock", conversation_key),
        timeout=LOCK_TIMEOUT_SECONDS,
        blocking_timeout=WAIT_SECONDS,
        sleep=0.01,
    )
