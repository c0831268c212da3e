"""Per-user and per-tenant turn rate limits, counted in Redis by the `limits` library.

Counting lives in Redis so every process (Slack workers, API, console) shares one budget.
`limits` does the windowing (fixed window, one atomic Lua INCR+EXPIRE per hit); we hand it
the connection pool of our own client (`get_redis`), so embedded fakeredis and production
Redis go through the same code. Keys are `bmad:{tenant}:ratelimit:LIMITER/{scope}/{id}/...`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import redis
from limits import RateLimitItem, RateLimitItemPerMinute
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

from integrations.redis_store import key

Scope = Literal["user", "tenant"]


@dataclass(frozen=True)
class Limited:
    """A turn over its budget: which budget, and how many seconds until it refills."""

    scope: Scope
    retry_after: int


class TurnRateLimiter:
    """Checks both budgets before spending either, so a refused turn costs nothing."""

    def __init__(self, client: redis.Redis, user_per_minute: int, tenant_per_minute: int) -> None:
        self.client = client
        budgets: tuple[tuple[Scope, int], ...] = (
            ("user", user_per_minute),
            ("tenant", tenant_per_minute),
        )
        self.limits: list[tuple[Scope, RateLimitItem]] = [
            (scope, RateLimitItemPerMinute(amount))
            for scope, amount in budgets
            if amount > 0  # 0 disables that budget
        ]

    def hit(self, tenant_id: str, user_id: str) -> Limited | None:
        """Count one turn, or return `Limited` when a budget is spent. A refused turn spends
        nothing, except when it loses a race for the tenant's last slot after its user slot
        was counted (one turn of that user's budget, at most)."""
        if not self.limits:
            return None
        limiter = _limiter(self.client, key(tenant_id, "ratelimit"))
        checks = [
            (scope, item, user_id if scope == "user" else "all") for scope, item in self.limits
        ]
        for scope, item, ident in checks:
            if not limiter.test(item, scope, ident):
                return Limited(scope, _retry_after(limiter, item, scope, ident))
        for scope, item, ident in checks:
            # A concurrent turn may have taken the last slot between test and hit.
            if not limiter.hit(item, scope, ident):
                return Limited(scope, _retry_after(limiter, item, scope, ident))
        return None


def _retry_after(
    limiter: FixedWindowRateLimiter, item: RateLimitItem, scope: str, ident: str
) -> int:
    reset_at = limiter.get_window_stats(item, scope, ident).reset_time
    return max(1, math.ceil(reset_at - time.time()))


@lru_cache(maxsize=1024)
def _limiter(client: redis.Redis, prefix: str) -> FixedWindowRateLimiter:
    """One storage per tenant prefix (cheap: it shares the client's connection pool)."""
    storage = RedisStorage("redis://", connection_pool=client.connection_pool, key_prefix=prefix)
    return FixedWindowRateLimiter(storage)
