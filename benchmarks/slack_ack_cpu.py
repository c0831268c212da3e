"""Slack ack: CPU per request in process - `bmad serve`'s ASGI app vs the bare Bolt app.

Why next to benchmarks/slack_ingest.py: that one measures over sockets with load generators
on the same 2 cores, so its ratio moves with whatever else the machine runs. Here each app
is driven in its own process through ASGI calls (no sockets, no generators) and the
process's CPU time (every thread: the durable publisher's too) is divided by the requests.
CPU per ack is what caps a replica's throughput, and it is far steadier on a shared machine.

The bmad app runs in its production ack configuration: BMAD_QUEUE=celery (every mention is
acked only once Redis took its turn job), single-workspace token (auth.test against the
local fake Slack Web API at start), access log on and written to a pipe, as under a
container runtime - it is `bot.asgi:app`, configured as `bmad serve` configures it. Requests
arrive 50 at a time, like the closed loop of slack_ingest.py; each app reports the best of
5 rounds of 1,000. Needs Redis (BENCH_REDIS_URL); the queued turns go to a
queue of the benchmark's own, deleted at the end. Prints one JSON line.

    .venv/bin/python -m benchmarks.slack_ack_cpu
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import redis

from tests.e2e.slack_support import ROOT, SIGNING_SECRET, clean_env, slack_env
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI, sign_request

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1000"))  # per round
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
IN_FLIGHT = 50
WARM_UP = 200

Request = tuple[bytes, dict[str, str]]


def _request() -> Request:
    tag = uuid.uuid4().hex[:8].upper()
    body = P.event_callback("TBENCH0001", P.app_mention(f"U{tag}", f"C{tag}", "what can you do?"))
    return body.encode(), sign_request(SIGNING_SECRET, body)


async def _call(app: Any, request: Request) -> int:
    body, headers = request
    raw = [(k.lower().encode(), str(v).encode()) for k, v in headers.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/slack/events",
        "raw_path": b"/slack/events",
        "query_string": b"",
        "root_path": "",
        "headers": [*raw, (b"content-length", str(len(body)).encode()), (b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    status: list[int] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.Event().wait()  # the client stays connected until the answer
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope, receive, send)
    return status[0] if status else 0


async def _drive(app: Any, requests: list[Request]) -> list[int]:
    statuses: list[int] = []
    for i in range(0, len(requests), IN_FLIGHT):
        batch = requests[i : i + IN_FLIGHT]
        statuses += await asyncio.gather(*(_call(app, r) for r in batch))
    return statuses


def _measure(app: Any) -> dict[str, Any]:
    """The best of a few rounds (as `timeit` advises): what the code costs, with as little as
    possible of what the rest of the shared machine did meanwhile."""
    asyncio.run(_drive(app, [_request() for _ in range(WARM_UP)]))
    rounds: list[float] = []
    non_200 = 0
    for _ in range(ROUNDS):
        requests = [_request() for _ in range(REQUESTS)]
        cpu = time.process_time()
        statuses = asyncio.run(_drive(app, requests))
        rounds.append(round((time.process_time() - cpu) / REQUESTS * 1e6, 1))
        non_200 += sum(1 for s in statuses if s != 200)
    return {
        "requests": REQUESTS * ROUNDS,
        "non_200": non_200,
        "cpu_us_per_ack": min(rounds),
        "rounds_cpu_us_per_ack": rounds,
    }


def _bare() -> dict[str, Any]:
    os.environ["BENCH_SIGNING_SECRET"] = SIGNING_SECRET
    from benchmarks.bare_bolt_app import app

    return _measure(app)


def _bmad(queue: str) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="ack-cpu-"))
    with FakeSlackAPI() as fake:
        env = slack_env(
            fake.api_url,
            f"sqlite:///{work}/bench.db",
            REDIS_URL,
            BMAD_QUEUE="celery",
            BMAD_CELERY_QUEUE=queue,
            BMAD_RATE_LIMIT_USER_PER_MINUTE="0",
            BMAD_RATE_LIMIT_TENANT_PER_MINUTE="0",
            BMAD_MODEL_DIR=str(work / "models"),
            BMAD_LOG_JSON="true",
        )
        os.environ.update(env)
        from integrations.db.migrate import upgrade

        upgrade(env["BMAD_DATABASE_URL"])
        from bot.asgi import app  # the app uvicorn serves, configured as `bmad serve` does

        return _measure(app)


def _in_child(which: str, queue: str) -> dict[str, Any]:
    """Each app in a process of its own: nothing of one warms or loads the other."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.slack_ack_cpu", "--one", which, queue],
        cwd=ROOT,
        env={**clean_env(), "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        which, queue = sys.argv[2], sys.argv[3]
        print(json.dumps(_bare() if which == "bare" else _bmad(queue)))
        return
    queue = f"bmad-bench-{uuid.uuid4().hex[:8]}"
    try:
        bmad = _in_child("bmad", queue)
        bare = _in_child("bare", queue)
    finally:
        redis.Redis.from_url(REDIS_URL).delete(queue, f"{queue}.turns")
    print(
        json.dumps(
            {
                "benchmark": "slack_ack_cpu",
                "in_flight": IN_FLIGHT,
                "bmad_serve": bmad,
                "bare_bolt": bare,
                "cpu_per_ack_bare_over_bmad": round(
                    float(bare["cpu_us_per_ack"]) / float(bmad["cpu_us_per_ack"]), 2
                ),
            }
        )
    )


if __name__ == "__main__":
    main()
