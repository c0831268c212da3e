"""Two beats (issue 13): only the leader sends, each periodic job once per period; when the
leader stops renewing its lease, the other beat takes over. Own Redis server; the beats'
schedulers are ticked here exactly as `bmad beat` ticks them."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from agents.beat_leader import LeaderScheduler, leader_key, period_of
from agents.queue import configure_celery
from integrations.settings import get_settings
from tests.own_services import OwnRedis
from tests.polling import wait_until

pytestmark = pytest.mark.integration


def _sent(redis: OwnRedis, queue: str) -> list[str]:
    return [json.loads(m)["headers"]["task"] for m in redis.client().lrange(queue, 0, -1)]


def _all_due(scheduler: LeaderScheduler) -> None:
    """As if the beat had been down for a week: every entry, interval or crontab, is due."""
    for entry in scheduler.schedule.values():
        entry.last_run_at = entry.default_now() - timedelta(days=8)


def test_two_beats_send_each_job_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    queue = f"bmad-beat-{uuid.uuid4().hex[:8]}"
    with OwnRedis(tmp_path) as redis:
        monkeypatch.setenv("BMAD_REDIS_URL", redis.url)
        monkeypatch.setenv("BMAD_QUEUE", "celery")
        monkeypatch.setenv("BMAD_CELERY_QUEUE", queue)
        monkeypatch.setenv("BMAD_DATABASE_URL", f"sqlite:///{tmp_path / 'bmad.db'}")
        get_settings.cache_clear()
        try:
            app = configure_celery(get_settings())
            first, second = LeaderScheduler(app=app), LeaderScheduler(app=app)
            for scheduler in (first, second):
                _all_due(scheduler)
            started = time.time()
            for _ in range(3):
                first.tick()
                second.tick()
            leaders = [s for s in (first, second) if s.leadership.leading]
            assert len(leaders) == 1
            sent = _sent(redis, queue)
            assert sent, "the leader sent nothing"
            assert len(sent) == len(set(sent)), sent  # each job once, not once per beat

            # The leader dies (stops renewing): its lease lapses, the other one leads.
            leader, follower = (first, second) if first.leadership.leading else (second, first)
            redis.client().pexpire(leader_key(queue), 200)
            wait_until(follower.leadership.hold, 10, "the follower never took over")
            assert redis.client().get(leader_key(queue)).decode() == follower.leadership.token
            follower.tick()  # same period: nothing is sent twice
            # ... unless its period ended meanwhile: the 15 s outbox-lag job may be due again.
            periods = {e.task: period_of(e) for e in follower.schedule.values()}
            now = time.time()
            again = Counter(_sent(redis, queue)) - Counter(sent)
            for task in again:
                period = periods[task]
                assert int(started // period) != int(now // period), f"{task} sent twice"
                assert again[task] == 1, again
            leader.leadership.leading = False
        finally:
            get_settings.cache_clear()
