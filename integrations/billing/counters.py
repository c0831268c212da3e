"""Atomic per-period usage counters in Redis, seeded from the database ledger.

Why a Lua script: check-and-increment must be one step, or parallel run starts at the
edge of a quota could all see "one left" and all start. The script refuses when the
counter is missing so the caller seeds it from the ledger first (`SET NX`: one seeder
wins), which keeps the counter right after a Redis restart or at a period's first use.
"""

from __future__ import annotations

import redis

from integrations.billing import ledger
from integrations.billing.period import Period
from integrations.billing.plans import Metric
from integrations.db.session import tenant_session
from integrations.redis_store import get_redis, key
from integrations.settings import Settings

MISSING = -1
REFUSED = 0
GRANTED = 1

# KEYS[1] counter; ARGV amount, limit (-1 = unlimited), ttl seconds -> {status, used}
_RESERVE = """
local used = redis.call('GET', KEYS[1])
if not used then return {-1, 0} end
used = tonumber(used)
local amount = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
if limit >= 0 and used + amount > limit then return {0, used} end
used = redis.call('INCRBY', KEYS[1], amount)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return {1, used}
"""

# Unconditional add (token use is recorded after the fact), but only to a seeded counter.
_ADD = """
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
return redis.call('INCRBY', KEYS[1], ARGV[1])
"""

# Grace after the period end, so late writers of the old period still find their counter.
_TTL_SLACK = 3 * 24 * 3600


def counter_key(tenant_id: str, metric: Metric, period: str) -> str:
    return key(tenant_id, "usage", metric, period)


def _client(settings: Settings) -> redis.Redis:
    return get_redis(settings.redis_url)


def seed(settings: Settings, tenant_id: str, metric: Metric, period: Period) -> None:
    """Create the counter from the ledger total unless another process already did."""
    with tenant_session(settings.database_url, tenant_id) as session:
        total = ledger.used_in_period(session, metric, period.name)
    _client(settings).set(
        counter_key(tenant_id, metric, period.name),
        total,
        nx=True,
        ex=period.seconds_left + _TTL_SLACK,
    )


def reserve(
    settings: Settings,
    tenant_id: str,
    metric: Metric,
    amount: int,
    limit: int | None,
    period: Period,
) -> tuple[bool, int]:
    """Atomically add `amount` unless that would pass `limit`. Returns (granted, used)."""
    client = _client(settings)
    script = client.register_script(_RESERVE)
    name = counter_key(tenant_id, metric, period.name)
    args = [amount, -1 if limit is None else limit, period.seconds_left + _TTL_SLACK]
    for _ in range(3):
        status, used = script(keys=[name], args=args)
        if int(status) != MISSING:
            return int(status) == GRANTED, int(used)
        seed(settings, tenant_id, metric, period)
    raise RuntimeError("usage counter could not be seeded")


def add(settings: Settings, tenant_id: str, metric: Metric, amount: int, period: Period) -> int:
    """Add to a counter; a missing counter is seeded from the ledger (which has this entry)."""
    client = _client(settings)
    name = counter_key(tenant_id, metric, period.name)
    result = int(client.register_script(_ADD)(keys=[name], args=[amount]))
    if result != MISSING:
        return result
    seed(settings, tenant_id, metric, period)
    return int(client.get(name) or 0)


def release(settings: Settings, tenant_id: str, metric: Metric, amount: int, period: str) -> None:
    _client(settings).decrby(counter_key(tenant_id, metric, period), amount)


def current(settings: Settings, tenant_id: str, metric: Metric, period: Period) -> int:
    value = _client(settings).get(counter_key(tenant_id, metric, period.name))
    if value is None:
        seed(settings, tenant_id, metric, period)
        value = _client(settings).get(counter_key(tenant_id, metric, period.name))
    return int(value or 0)
