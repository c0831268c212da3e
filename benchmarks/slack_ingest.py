"""Slack ingest: ack latency and throughput of `bmad serve` vs. a bare Bolt app.

`bmad serve` runs in its production configuration - real PostgreSQL and Redis,
BMAD_QUEUE=celery (each mention is acked only once Redis confirmed its turn job: durable
acks, issue 13), one web process -
against the local fake Slack Web API (only auth.test is called at start; no worker runs,
so the queued turns wait in a queue of their own that is deleted afterwards). The bare
Bolt app (benchmarks/bare_bolt_app.py) only acks. Both get the same signed app_mention
event_callback bodies, each with its own event id.

1. Open loop: a fixed offered rate (default 200 req/s for 20 s); latency is measured from
   each request's scheduled send time, so a slow server cannot hide queueing.
2. Closed loop: 50 requests in flight; requests per second. Both servers are up at once
   and the closed loop alternates between them in short rounds (default 5 x 4 s each), so
   a change in the machine's background load hits both alike; the ratio reported is the
   median of the rounds' ratios (each round's figures are in the output).

Load comes from a few generator processes on this machine, each with threads on keep-alive
connections; the server shares the 2 cores with them, as do both apps alike.

Prints one JSON line. Needs PostgreSQL and Redis (see BENCH_* below).

    .venv/bin/python -m benchmarks.slack_ingest
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import redis
from sqlalchemy import create_engine, text

from conversations.nlu.training import load_or_train
from integrations.db.migrate import upgrade
from integrations.settings import Settings
from tests.e2e.slack_support import (
    ROOT,
    SIGNING_SECRET,
    ServeProcess,
    clean_env,
    free_port,
    slack_env,
)
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI, sign_request
from tests.readiness import wait_ready

PG_ADMIN = os.environ.get(
    "BENCH_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
RATE = int(os.environ.get("BENCH_RATE", "200"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
IN_FLIGHT = int(os.environ.get("BENCH_IN_FLIGHT", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
ROUND_SECONDS = float(os.environ.get("BENCH_ROUND_SECONDS", "4"))
TIMEOUT = 3.0  # Slack's own limit for an ack
# Load generator: processes x threads, each thread one keep-alive connection (stdlib
# http.client: a few hundred microseconds of client CPU per request, unlike an async
# client, so the generator is not what is being measured on a 2-core machine).
PROCS = int(os.environ.get("BENCH_PROCS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "32"))


def _body() -> tuple[bytes, dict[str, str]]:
    tag = uuid.uuid4().hex[:8].upper()
    body = P.event_callback("TBENCH0001", P.app_mention(f"U{tag}", f"C{tag}", "what can you do?"))
    return body.encode(), sign_request(SIGNING_SECRET, body)


def _post(conn: http.client.HTTPConnection, path: str) -> bool:
    body, headers = _body()
    try:
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except (OSError, http.client.HTTPException):
        conn.close()  # reconnects on the next request
        return False


def _open_loop_share(args: tuple[str, int, int, float]) -> tuple[list[float], int]:
    """One generator process: requests `index, index + PROCS, ...` of the schedule."""
    url, index, procs, start = args
    parts = urlsplit(url)
    slots: queue.Queue[float] = queue.Queue()
    for i in range(index, int(RATE * SECONDS), procs):
        slots.put(start + i / RATE)
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def sender() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        while True:
            try:
                at = slots.get_nowait()
            except queue.Empty:
                return
            time.sleep(max(0.0, at - time.monotonic()))
            ok = _post(conn, parts.path)
            with lock:
                if ok:
                    latencies.append(time.monotonic() - at)
                else:
                    errors += 1

    threads = [threading.Thread(target=sender) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors


def _closed_loop_share(args: tuple[str, int, float]) -> tuple[int, int]:
    url, in_flight, deadline = args
    parts = urlsplit(url)
    counts = [0, 0]
    lock = threading.Lock()

    def sender() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
        while time.monotonic() < deadline:
            ok = _post(conn, parts.path)
            with lock:
                counts[0 if ok else 1] += 1

    threads = [threading.Thread(target=sender) for _ in range(in_flight)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts[0], counts[1]


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _open_loop(url: str) -> dict[str, float | int | None]:
    start = time.monotonic() + 2.0  # time for the generator processes to sign their bodies
    with multiprocessing.get_context("fork").Pool(PROCS) as pool:
        shares = pool.map(_open_loop_share, [(url, i, PROCS, start) for i in range(PROCS)])
    latencies = [x for share, _ in shares for x in share]
    errors = sum(e for _, e in shares)
    return {
        "sent": int(RATE * SECONDS),
        "errors": errors,
        "p50_ms": round(statistics.median(latencies) * 1000, 2) if latencies else None,
        "p99_ms": round(_pct(latencies, 0.99) * 1000, 2) if latencies else None,
    }


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process, all its threads (from /proc: no psutil needed)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _redis_cpu_seconds() -> float:
    info = redis.Redis.from_url(REDIS_URL).info("cpu")
    return float(info["used_cpu_user"]) + float(info["used_cpu_sys"])


def _closed_loop(url: str, pid: int) -> dict[str, float | int]:
    """One round; with the CPU the server process and Redis spent per answered request, so
    a ratio can be told apart from what the generators on the same cores took."""
    per_proc = [IN_FLIGHT // PROCS + (i < IN_FLIGHT % PROCS) for i in range(PROCS)]
    cpu, redis_cpu = _cpu_seconds(pid), _redis_cpu_seconds()
    started = time.monotonic()
    deadline = started + ROUND_SECONDS
    with multiprocessing.get_context("fork").Pool(PROCS) as pool:
        shares = pool.map(_closed_loop_share, [(url, n, deadline) for n in per_proc])
    elapsed = time.monotonic() - started
    cpu, redis_cpu = _cpu_seconds(pid) - cpu, _redis_cpu_seconds() - redis_cpu
    done = sum(ok for ok, _ in shares)
    return {
        "requests": done,
        "errors": sum(err for _, err in shares),
        "req_per_s": round(done / elapsed, 1),
        "server_cpu_us": round(cpu / max(done, 1) * 1e6, 1),
        "redis_cpu_us": round(redis_cpu / max(done, 1) * 1e6, 1),
    }


def _warm_up(url: str) -> None:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    for _ in range(100):
        _post(conn, parts.path)
    conn.close()


def _closed_rounds(bmad: tuple[str, int], bare: tuple[str, int]) -> dict[str, Any]:
    """Alternate the closed loop between the two servers (url, pid); totals per server, and
    the median of the rounds' throughput ratios."""
    rounds = []
    for _ in range(ROUNDS):
        rounds.append((_closed_loop(*bmad), _closed_loop(*bare)))
    ratios = [round(m["req_per_s"] / b["req_per_s"], 2) for m, b in rounds]

    def total(results: list[dict[str, float | int]]) -> dict[str, float | int]:
        done = sum(int(r["requests"]) for r in results)
        return {
            "requests": done,
            "errors": sum(int(r["errors"]) for r in results),
            "req_per_s": round(done / (ROUNDS * ROUND_SECONDS), 1),
            "server_cpu_us_per_request": statistics.median(r["server_cpu_us"] for r in results),
            "redis_cpu_us_per_request": statistics.median(r["redis_cpu_us"] for r in results),
        }

    return {
        "bmad": total([m for m, _ in rounds]),
        "bare": total([b for _, b in rounds]),
        "round_ratios": ratios,
        "median_ratio": statistics.median(ratios),
    }


def _jobs_per_message(base_url: str) -> float | None:
    """From the server's /metrics: how many acks each durable publish carried."""
    totals = {"jobs": 0.0, "batches": 0.0}
    for line in httpx.get(f"{base_url}/metrics", timeout=5).text.splitlines():
        if line.startswith('bmad_slack_jobs_published_total{result="ok"}'):
            totals["jobs"] = float(line.split()[-1])
        elif line.startswith('bmad_slack_publish_batches_total{result="ok"}'):
            totals["batches"] = float(line.split()[-1])
    return round(totals["jobs"] / totals["batches"], 1) if totals["batches"] else None


class _BareBolt:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.log = (workdir / "bare.log").open("wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "benchmarks.bare_bolt_app:app",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env={**clean_env(), "BENCH_SIGNING_SECRET": SIGNING_SECRET, "PYTHONPATH": str(ROOT)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.url = f"http://127.0.0.1:{self.port}/slack/events"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.post(self.url, content=b"{}", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError("bare Bolt app did not start")

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self.log.close()


def main() -> None:
    name = f"bmad_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database_url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    queue = f"bmad-bench-{uuid.uuid4().hex[:8]}"
    workdir = Path(tempfile.mkdtemp(prefix="slack-bench-"))
    try:
        upgrade(database_url)
        # The intent model, trained once into BMAD_MODEL_DIR (as `bmad migrate` does), so the
        # server loads it instead of training it while being measured.
        model_dir = workdir / "models"
        load_or_train(Settings(_env_file=None, model_dir=str(model_dir)))
        with FakeSlackAPI() as fake:
            env = slack_env(
                fake.api_url,
                database_url,
                REDIS_URL,
                BMAD_QUEUE="celery",
                BMAD_CELERY_QUEUE=queue,
                # Thousands of events from one user: measure ingest, not the rate limiter.
                BMAD_RATE_LIMIT_USER_PER_MINUTE="0",
                BMAD_RATE_LIMIT_TENANT_PER_MINUTE="0",
                BMAD_MODEL_DIR=str(model_dir),
            )
            serve = ServeProcess(env, workdir)
            bare_app: _BareBolt | None = None
            try:
                wait_ready(lambda path: httpx.get(f"{serve.base_url}{path}", timeout=5))
                bare_app = _BareBolt(workdir)
                bmad_url = f"{serve.base_url}/slack/events"
                for url in (bmad_url, bare_app.url):
                    _warm_up(url)
                bmad_open, bare_open = _open_loop(bmad_url), _open_loop(bare_app.url)
                closed = _closed_rounds(
                    (bmad_url, serve.proc.pid), (bare_app.url, bare_app.proc.pid)
                )
                per_message = _jobs_per_message(serve.base_url)
            finally:
                serve.close()
                if bare_app is not None:
                    bare_app.close()
    finally:
        redis.Redis.from_url(REDIS_URL).delete(queue, f"{queue}.turns")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(
        json.dumps(
            {
                "benchmark": "slack_ingest",
                "offered_rate": RATE,
                "open_seconds": SECONDS,
                "in_flight": IN_FLIGHT,
                "closed_rounds": f"{ROUNDS} x {ROUND_SECONDS:g} s each, alternating",
                "bmad_serve": {
                    "open_loop": bmad_open,
                    "closed_loop": closed["bmad"],
                    "jobs_per_broker_message": per_message,
                },
                "bare_bolt": {"open_loop": bare_open, "closed_loop": closed["bare"]},
                "ratios": {
                    "p99_ack_bmad_over_bare": round(bmad_open["p99_ms"] / bare_open["p99_ms"], 2),
                    "closed_loop_rounds_bmad_over_bare": closed["round_ratios"],
                    "closed_loop_throughput_bmad_over_bare": closed["median_ratio"],
                },
            }
        )
    )


if __name__ == "__main__":
    main()
