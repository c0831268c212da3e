"""One beat at a time: a Redis lease elects the leader; other beats idle until it lapses.

Why: two `bmad beat` processes (a deploy overlap, two replicas of a chart) each sent every
periodic task, so every sweep, digest and usage report ran twice. The leader holds
`bmad:_global:beat:leader` (SET NX PX with its own token, renewed on every tick by a Lua
compare-and-extend); a stopped or killed leader's lease expires after LEASE_SECONDS and
another beat takes over. On top of that each entry is sent at most once per period
(`bmad:_global:beat:sent:<entry>:<period>`, SET NX), so even a handover in the middle of
a period never doubles a job. Redis unreachable: nobody leads, nothing is sent, the beat
keeps running and retries (it never exits because of an outage).
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from typing import Any

import redis
from celery.beat import ScheduleEntry, Scheduler
from celery.schedules import schedule as interval_schedule

from integrations.observability.logging import get_logger
from integrations.redis_store import get_redis, global_key
from integrations.settings import get_settings

log = get_logger(__name__)

LEASE_SECONDS = 30
IDLE_TICK_SECONDS = 5.0


def leader_key(scope: str) -> str:
    """One leader per deployment: a deployment is its Celery queue on its Redis (two
    installations, or test runs, sharing a Redis must not idle each other's beat)."""
    return global_key("beat", scope, "leader")


_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""


def _client() -> redis.Redis:
    return get_redis(get_settings().redis_url)


class BeatLeadership:
    """The Redis lease; `hold()` is True while this process is the leader."""

    def __init__(self, client: redis.Redis, scope: str, lease_seconds: int = LEASE_SECONDS) -> None:
        self.client = client
        self.key = leader_key(scope)
        self.lease_ms = int(lease_seconds * 1000)
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leading = False

    def hold(self) -> bool:
        try:
            if self.leading and self.client.eval(_EXTEND, 1, self.key, self.token, self.lease_ms):
                return True
            now_leading = bool(self.client.set(self.key, self.token, nx=True, px=self.lease_ms))
        except redis.RedisError as err:
            log.warning("beat_leader_check_failed", error=type(err).__name__)
            now_leading = False
        if now_leading != self.leading:
            log.info("beat_leadership", leading=now_leading, token=self.token)
        self.leading = now_leading
        return now_leading

    def release(self) -> None:
        try:
            if self.client.get(self.key) == self.token:
                self.client.delete(self.key)
        except redis.RedisError:
            pass
        self.leading = False


def first_in_period(
    client: redis.Redis, scope: str, entry: str, period_seconds: float, at: float
) -> bool:
    """True once per (entry, period) across all beats: the job is due and nobody sent it."""
    period = int(at // period_seconds)
    where = global_key("beat", scope, "sent", entry, period)
    return bool(client.set(where, "1", nx=True, ex=int(period_seconds * 2) + 60))


def period_of(entry: ScheduleEntry) -> float:
    if isinstance(entry.schedule, interval_schedule) and not hasattr(entry.schedule, "hour"):
        return max(1.0, entry.schedule.run_every.total_seconds())
    return 60.0  # crontab and the like: at most once per minute


class LeaderScheduler(Scheduler):
    """Celery beat's scheduler, sending only while it leads (`bmad beat` uses it).

    In memory, not the shelve file of PersistentScheduler: two beats sharing a directory
    would fight over that file, and the once-per-period keys already say what was sent.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.scope = get_settings().celery_queue
        self.leadership = BeatLeadership(_client(), self.scope)
        super().__init__(*args, **kwargs)

    def tick(self, *args: Any, **kwargs: Any) -> float:
        if not self.leadership.hold():
            return IDLE_TICK_SECONDS  # a follower: wait, then try to take over
        return min(float(super().tick(*args, **kwargs)), IDLE_TICK_SECONDS)

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        try:
            due_once = first_in_period(
                self.leadership.client, self.scope, entry.name, period_of(entry), time.time()
            )
        except redis.RedisError as err:
            log.warning("beat_entry_skipped", entry=entry.name, error=type(err).__name__)
            return
        if due_once:
            super().apply_entry(entry, producer=producer)
        else:
            log.info("beat_entry_already_sent", entry=entry.name)

    def close(self) -> None:
        self.leadership.release()
        super().close()
