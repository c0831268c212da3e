"""Per-channel pacing shared by every process.

Slack allows about one message per second per channel. Each post reserves the next free
slot for its channel with one atomic Lua script on a Redis key (`bmad:{team}:slack:pace:
{channel}`), so web replicas and Celery workers queue behind each other instead of all
posting at once and collecting 429s. The caller then sleeps until its slot.
"""

from __future__ import annotations

import time

import redis

from integrations.observability.metrics import SLACK_PACING_WAIT
from integrations.redis_store import key

# KEYS[1] = pace key; ARGV = now_ms, interval_ms. Returns the ms to wait for this slot.
_RESERVE = """
local now = tonumber(ARGV[1])
local interval = tonumber(ARGV[2])
local next_free = tonumber(redis.call('GET', KEYS[1]) or '0')
local slot = math.max(now, next_free)
redis.call('SET', KEYS[1], slot + interval, 'PX', interval * 10 + (slot - now))
return slot - now
"""


class ChannelPacer:
    def __init__(self, client: redis.Redis, interval_seconds: float = 1.0) -> None:
        self._client = client
        self._interval_ms = int(interval_seconds * 1000)
        self._script = client.register_script(_RESERVE)

    def reserve(self, team_id: str, channel: str) -> float:
        """Reserve the next slot for `channel`; returns seconds to wait before posting."""
        now_ms = int(time.time() * 1000)
        pace_key = key(team_id, "slack", "pace", channel)
        wait_ms = self._script(keys=[pace_key], args=[now_ms, self._interval_ms])
        return max(0, int(wait_ms)) / 1000.0

    def wait_turn(self, team_id: str, channel: str) -> float:
        delay = self.reserve(team_id, channel)
        SLACK_PACING_WAIT.observe(delay)
        if delay > 0:
            time.sleep(delay)
        return delay
