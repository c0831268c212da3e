"""Outbound Slack calls queued per lane in Redis, claimed by any process when due.

Why: Slack allows about one message per second per channel. Sleeping for that slot in
the thread that produced the message (the after-ack pool, a Celery slot) let one busy
channel hold every thread while quiet channels waited behind it. Now a message goes on
its lane's list and returns at once; a dispatcher (`integrations.slack.dispatcher`) claims
the head of every lane whose time has come. A lane is (team, kind, target): chat.postMessage
and file uploads share the channel's "post" lane (one per second); updates, ephemerals and
App Home views have lanes of their own without a pace. A 429 pauses only its lane, for
Retry-After, in Redis - so every process honours it.

Keys: a list per lane (`bmad:{team}:slack:lane:{kind}:{target}`, plus `:next` for the pace
and `:pause` for a Retry-After window), one sorted set of lanes by the time their head
may go (`bmad:_global:slack:lanes:{api}`, members `<interval_ms>|<list key>`; `{api}` is a
digest of SLACK_API_URL, so test processes aimed at different stand-ins never share work)
and one sorted set of claimed jobs (`<member>#<job>`) by lease expiry
(`...:inflight:{api}`): a job whose
process died before `done()` goes back to its lane's head when the lease runs out, so
nothing queued is lost to a crash (at worst sent twice).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import redis

from integrations.redis_store import global_key, key

LANE_TTL_SECONDS = 24 * 3600
POST_INTERVAL_MS = 1000
LEASE_MS = 120_000  # longer than the slowest call (3 HTTP requests of a file upload)

# KEYS: lanes zset, lane list. ARGV: job, member, now_ms, ttl, once key ('' = none).
# Returns when the lane is due, or -1 when a job with this once key was queued already.
_ENQUEUE = """
if ARGV[5] ~= '' then
  if not redis.call('SET', KEYS[2] .. ':once:' .. ARGV[5], '1', 'NX', 'EX', ARGV[4]) then
    return -1
  end
end
redis.call('RPUSH', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[2], ARGV[4])
local at = tonumber(ARGV[3])
local nxt = tonumber(redis.call('GET', KEYS[2] .. ':next') or '0')
local pause = tonumber(redis.call('GET', KEYS[2] .. ':pause') or '0')
if nxt > at then at = nxt end
if pause > at then at = pause end
if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then
  redis.call('ZADD', KEYS[1], at, ARGV[2])
end
return at
"""

# KEYS: lanes zset, inflight zset. ARGV: now_ms, max lanes, lease_ms.
# Returns [member, job, member, job, ...]; each claimed job is leased in inflight.
_CLAIM = """
local now = tonumber(ARGV[1])
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for _, member in ipairs(due) do
  local interval, list = string.match(member, '^(%d+)|(.+)$')
  interval = tonumber(interval)
  local job = redis.call('LPOP', list)
  if job then
    table.insert(out, member)
    table.insert(out, job)
    redis.call('ZADD', KEYS[2], now + tonumber(ARGV[3]), member .. '#' .. job)
    if interval > 0 then
      redis.call('SET', list .. ':next', now + interval, 'PX', interval + 60000)
    end
    if redis.call('LLEN', list) > 0 then
      redis.call('ZADD', KEYS[1], now + interval, member)
    else
      redis.call('ZREM', KEYS[1], member)
    end
  else
    redis.call('ZREM', KEYS[1], member)
  end
end
return out
"""

# KEYS: lanes zset, lane list, inflight. ARGV: job, member, until_ms, ttl_ms, leased job.
# Back to the head, paused; the lease is released.
_PAUSE = """
redis.call('ZREM', KEYS[3], ARGV[2] .. '#' .. ARGV[5])
redis.call('LPUSH', KEYS[2], ARGV[1])
redis.call('SET', KEYS[2] .. ':pause', ARGV[3], 'PX', tonumber(ARGV[4]))
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]), ARGV[2])
return 1
"""

# KEYS: lanes zset, inflight zset. ARGV: now_ms. Expired leases back to their lane's head.
_REAP = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', tonumber(ARGV[1]), 'LIMIT', 0, 100)
for _, entry in ipairs(expired) do
  local member, job = string.match(entry, '^([^#]+)#(.*)$')
  local interval, list = string.match(member, '^(%d+)|(.+)$')
  redis.call('LPUSH', list, job)
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]), member)
  redis.call('ZREM', KEYS[2], entry)
end
return #expired
"""


@dataclass(frozen=True)
class Lane:
    team_id: str
    kind: str  # "post" (chat.postMessage, uploads) or the method's own lane
    target: str  # channel, user or response_url digest

    @property
    def list_key(self) -> str:
        return key(self.team_id, "slack", "lane", self.kind, self.target)

    @property
    def interval_ms(self) -> int:
        return POST_INTERVAL_MS if self.kind == "post" else 0

    @property
    def member(self) -> str:
        return f"{self.interval_ms}|{self.list_key}"


@dataclass(frozen=True)
class Claimed:
    member: str
    job: str

    @property
    def list_key(self) -> str:
        return self.member.split("|", 1)[1]


def now_ms() -> int:
    return int(time.time() * 1000)


class OutboundLanes:
    """The Redis side of outbound queuing; shared by every process on the same Redis."""

    def __init__(self, client: redis.Redis, scope: str = "slack") -> None:
        self.client = client
        self.lanes_key = global_key("slack", "lanes", scope)
        self.inflight_key = global_key("slack", "lanes", "inflight", scope)
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)
        self._pause = client.register_script(_PAUSE)
        self._reap = client.register_script(_REAP)

    def enqueue(self, lane: Lane, job: str, once: str | None = None) -> float | None:
        """Queue `job` at the tail of `lane`; returns seconds until the lane is due, or None
        when a job with the same `once` key was queued on this lane before (within a day):
        a retried post queues its jobs again under the same keys and nothing twice."""
        now = now_ms()
        at = int(
            self._enqueue(
                keys=[self.lanes_key, lane.list_key],
                args=[job, lane.member, now, LANE_TTL_SECONDS, once or ""],
            )
        )
        if at < 0:
            return None
        return max(0, at - now) / 1000.0

    def claim(self, limit: int = 32) -> list[Claimed]:
        """Take the head job of every due lane (each lane's next slot is reserved)."""
        raw = self._claim(
            keys=[self.lanes_key, self.inflight_key], args=[now_ms(), limit, LEASE_MS]
        )
        return [Claimed(str(raw[i]), str(raw[i + 1])) for i in range(0, len(raw), 2)]

    def pause(self, claimed: Claimed, seconds: float, job: str | None = None) -> None:
        """Put the job (or its updated form `job`) back at its lane's head; nothing goes out
        on the lane for `seconds`."""
        until = now_ms() + int(seconds * 1000)
        ttl = int(seconds * 1000) + 60_000
        self._pause(
            keys=[self.lanes_key, claimed.list_key, self.inflight_key],
            args=[job or claimed.job, claimed.member, until, ttl, claimed.job],
        )

    def done(self, claimed: Claimed) -> None:
        """The claimed job is finished (sent, or given up): release its lease."""
        self.client.zrem(self.inflight_key, f"{claimed.member}#{claimed.job}")

    def reap(self) -> int:
        """Jobs whose claimer died (lease expired) go back to their lane; returns how many."""
        return int(self._reap(keys=[self.lanes_key, self.inflight_key], args=[now_ms()]))

    def next_due_in(self) -> float | None:
        """Seconds until the earliest lane is due (None when nothing is queued)."""
        first = self.client.zrange(self.lanes_key, 0, 0, withscores=True)
        if not first:
            return None
        return max(0.0, (float(first[0][1]) - now_ms()) / 1000.0)

    def paused_for(self, lane: Lane) -> float:
        """Seconds left of the lane's Retry-After pause (0 when it may send)."""
        until = self.client.get(lane.list_key + ":pause")
        return max(0.0, (int(str(until)) - now_ms()) / 1000.0) if until else 0.0

    def pending(self, lane: Lane) -> int:
        return int(self.client.llen(lane.list_key))
