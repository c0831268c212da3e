"""One Redis connection factory for the whole process.

With `BMAD_REDIS_URL` unset, an in-process fakeredis server stands in, through the same
redis-py client API, so the code path is identical in embedded mode and production.
All keys follow `bmad:{tenant}:...` (see `key`).
"""

from __future__ import annotations

from functools import lru_cache

import fakeredis
import redis

_embedded_server = fakeredis.FakeServer()


@lru_cache(maxsize=8)
def get_redis(url: str | None) -> redis.Redis:
    if url is None:
        return fakeredis.FakeRedis(server=_embedded_server, decode_responses=True)
    return redis.Redis.from_url(
        url,
        decode_responses=True,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=30,
    )


def key(tenant_id: str, *parts: str | int) -> str:
    """`bmad:{tenant}:part:part` - every key carries its tenant."""
    if not tenant_id or ":" in tenant_id:
        raise ValueError(f"invalid tenant id for a Redis key: {tenant_id!r}")
    return ":".join(["bmad", tenant_id, *(str(p) for p in parts)])


def global_key(*parts: str | int) -> str:
    """Keys that belong to no tenant (process coordination, e.g. Slack event ids)."""
    return ":".join(["bmad", "_global", *(str(p) for p in parts)])
