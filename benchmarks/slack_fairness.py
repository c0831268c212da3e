"""Slack outbound fairness: how long a DM waits while another channel has a burst.

`bmad serve` (embedded queue, real PostgreSQL and Redis, one workspace) against the local
Slack stand-in. 30 signed @mentions arrive in one channel, then one DM; the stand-in
records when each reply is posted. Slack allows about one message per second per
channel, so the burst's replies take ~30 s; the DM must not wait for them (target: the DM
is answered within 3 s). Also measured: the gap between the burst's posts (pacing).

Prints one JSON line. Needs PostgreSQL and Redis (BENCH_* as in tests/services.py).

    .venv/bin/python -m benchmarks.slack_fairness
"""

from __future__ import annotations

import itertools
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from integrations.db.migrate import upgrade
from tests.e2e.slack_support import ServeProcess, post_signed, slack_env
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI
from tests.services import create_pg_database, drop_pg_database, real_redis_url

BURST = 30


def main() -> None:
    database = create_pg_database()
    upgrade(database)
    try:
        with FakeSlackAPI() as fake, tempfile.TemporaryDirectory() as workdir:
            serve = ServeProcess(slack_env(fake.api_url, database, real_redis_url()), Path(workdir))
            try:
                result = _measure(fake, serve)
            finally:
                serve.close()
    finally:
        drop_pg_database(database)
    print(json.dumps(result))


def _measure(fake: FakeSlackAPI, serve: ServeProcess) -> dict[str, object]:
    tag = uuid.uuid4().hex[:8].upper()
    team, user, busy, dm = f"T{tag}", f"U{tag}", f"C{tag}", f"D{tag}"
    with httpx.Client(timeout=5.0) as http:
        # Warm up the NLU and the tenant so the burst measures posting, not model loading.
        post_signed(http, serve.base_url, P.event_callback(team, P.message(user, dm, "hi")))
        fake.wait_for("chat.postMessage", 1, timeout=60, channel=dm)
        for i in range(BURST):
            body = P.event_callback(team, P.app_mention(user, busy, f"what can you do? {i}"))
            post_signed(http, serve.base_url, body)
        sent = time.monotonic()
        post_signed(http, serve.base_url, P.event_callback(team, P.message(user, dm, "help")))
        replies = fake.wait_for("chat.postMessage", 2, timeout=60, channel=dm)
        dm_seconds = replies[1].at - sent
        burst = fake.wait_for("chat.postMessage", BURST, timeout=120, channel=busy)
    gaps = [b.at - a.at for a, b in itertools.pairwise(burst)]
    return {
        "benchmark": "slack_fairness",
        "burst": BURST,
        "dm_reply_seconds": round(dm_seconds, 3),
        "burst_replies_before_dm": len([c for c in burst if c.at <= replies[1].at]),
        "burst_seconds": round(burst[-1].at - burst[0].at, 2),
        "burst_min_gap_seconds": round(min(gaps), 3),
        "burst_median_gap_seconds": round(statistics.median(gaps), 3),
        "target_dm_seconds": 3.0,
        "met": dm_seconds <= 3.0,
    }


if __name__ == "__main__":
    main()
