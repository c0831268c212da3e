"""Fault scenarios shared by tests/e2e/test_faults.py and benchmarks/faults.py.

Each scenario runs the production processes (`bmad serve`, `bmad worker`, `bmad beat`) on
Redis / PostgreSQL servers of its own (tests/own_services.py), injects one fault, and
returns counts: what was acknowledged, answered, lost and duplicated, and how long recovery
took. Slack's side is the fake Web API plus a sender that behaves like Slack: a request
that gets no 2xx within 3 s (an error status, a refused or dropped connection) is sent
again with X-Slack-Retry-Num after a delay, up to 3 retries; a load balancer in front of
several replicas sends a retry to the next one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis

from conversations.nlu.training import load_or_train
from integrations.settings import Settings
from tests.e2e.slack_support import ROOT, ServeProcess, clean_env, post_signed, slack_env
from tests.e2e.worker_support import Worker
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI
from tests.polling import wait_until as poll

SLACK_ACK_TIMEOUT = 3.0


def trained_model_dir(where: Path) -> Path:
    """The intent model trained once into a directory shared by every process (as
    `bmad migrate` does for BMAD_MODEL_DIR), so workers are ready in seconds."""
    where.mkdir(parents=True, exist_ok=True)
    load_or_train(Settings(_env_file=None, model_dir=str(where)))
    return where


def production_env(
    slack_api_url: str, database_url: str, redis_url: str, model_dir: Path, **extra: str
) -> dict[str, str]:
    return slack_env(
        slack_api_url,
        database_url,
        redis_url,
        BMAD_QUEUE="celery",
        BMAD_CELERY_QUEUE=f"bmad-fault-{uuid.uuid4().hex[:8]}",
        BMAD_MODEL_DIR=str(model_dir),
        BMAD_LOG_JSON="false",
        BMAD_RATE_LIMIT_USER_PER_MINUTE="0",
        BMAD_RATE_LIMIT_TENANT_PER_MINUTE="0",
        BMAD_WEBHOOK_ALLOW_PRIVATE="1",  # the slow deploy hook (a local fake) is on 127.0.0.1
        **extra,
    )


def start_worker(env: dict[str, str], log: Path, concurrency: int = 2) -> Worker:
    """A ready worker; one that does not get ready is stopped before the error is raised."""
    worker = Worker({**clean_env(), "PYTHONPATH": str(ROOT), **env}, log, concurrency)
    ready = False
    try:
        worker.wait_ready()
        ready = True
    finally:
        if not ready:
            worker.stop()
    return worker


class Beat:
    """`bmad beat` in its own process group (stopped with the test)."""

    def __init__(self, env: dict[str, str], log: Path, workdir: Path) -> None:
        self.handle = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "beat"],
            cwd=workdir,
            env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=5)
        self.handle.close()


@dataclass
class Delivery:
    """One Slack event as Slack delivers it: the first try and up to 3 retries."""

    channel: str
    body: str
    acked_at: float | None = None
    attempts: list[int] = field(default_factory=list)  # HTTP status per try, 0 = no answer


class SlackSender:
    """Sends events like Slack: retry after `retry_delays` until a 2xx, over `urls`."""

    def __init__(self, urls: Callable[[], Sequence[str]], retry_delays: Sequence[float]) -> None:
        self.urls = urls
        self.retry_delays = list(retry_delays)
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=64)
        self._next = 0

    def send(self, team: str) -> Delivery:
        tag = uuid.uuid4().hex[:10].upper()
        channel, user = f"C{tag}", f"U{tag}"
        body = P.event_callback(team, P.app_mention(user, channel, "what can you do?"))
        delivery = Delivery(channel, body)
        with self._lock:
            self.deliveries.append(delivery)
        self._pool.submit(self._deliver, delivery)
        return delivery

    def _first(self) -> int:
        with self._lock:
            self._next += 1
            return self._next

    def _deliver(self, delivery: Delivery) -> None:
        """Round robin; a retry goes to the next replica (as a balancer retries upstream)."""
        first = self._first()
        with httpx.Client(timeout=SLACK_ACK_TIMEOUT) as client:
            for retry, delay in enumerate([0.0, *self.retry_delays]):
                time.sleep(delay)  # Slack's own retry schedule (compressed), not a sync
                urls = list(self.urls())
                url = urls[(first + retry) % len(urls)]
                try:
                    status = post_signed(
                        client, url, delivery.body, retry_num=retry or None
                    ).status_code
                except httpx.TransportError:
                    status = 0
                delivery.attempts.append(status)
                if 200 <= status < 300:
                    delivery.acked_at = time.monotonic()
                    return

    def close(self) -> None:
        self._pool.shutdown(wait=True)


def answers(fake: FakeSlackAPI, deliveries: Sequence[Delivery]) -> dict[str, int]:
    return {
        d.channel: len(fake.calls_to("chat.postMessage", channel=d.channel)) for d in deliveries
    }


def wait_answered(
    fake: FakeSlackAPI, deliveries: Sequence[Delivery], timeout: float
) -> float | None:
    """Monotonic time when every acked event had its reply (None: not within timeout)."""

    def all_answered() -> bool:
        counts = answers(fake, deliveries)
        return all(counts[d.channel] >= 1 for d in deliveries if d.acked_at is not None)

    with suppress(AssertionError):
        return wait_until(all_answered, timeout, "every acked event to be answered")
    return None


def slack_counts(fake: FakeSlackAPI, deliveries: Sequence[Delivery]) -> dict[str, Any]:
    counts = answers(fake, deliveries)
    acked = [d for d in deliveries if d.acked_at is not None]
    return {
        "events": len(deliveries),
        "acked": len(acked),
        "answered": sum(1 for d in deliveries if counts[d.channel] >= 1),
        "lost": sum(1 for d in acked if counts[d.channel] == 0),
        "duplicated": sum(1 for d in deliveries if counts[d.channel] > 1),
        "refused_503": sum(d.attempts.count(503) for d in deliveries),
        "retries": sum(len(d.attempts) - 1 for d in deliveries),
    }


def drained(redis_url: str, celery_queue: str, taken_since: float = 0.0) -> bool:
    """Nothing left to do on this (own) Redis: the Celery queue is empty, no message taken
    since `taken_since` (epoch seconds) is unacknowledged (tasks ack late: one running, or
    held for a retry countdown, stays in kombu's `unacked`), and no outbound Slack call is
    queued in a lane or claimed and in flight (a turn queues its reply before its task is
    acknowledged)."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=1)
    try:
        if client.llen(celery_queue) or client.zcount("unacked_index", taken_since, "+inf"):
            return False
        for name in client.scan_iter(match="bmad:*:slack:lane:*", count=1000):
            if client.type(name) == b"list" and client.llen(name):
                return False
        for name in client.scan_iter(match="bmad:*:slack:lanes:inflight:*", count=1000):
            if client.zcard(name):
                return False
        return True
    finally:
        client.close()


def wait_drained(
    redis_url: str, celery_queue: str, taken_since: float = 0.0, timeout: float = 180.0
) -> None:
    """Before counting duplicates: a duplicate, if any, has been posted once every job
    is done - a positive effect to wait for, where nothing happening is the expected
    outcome. Drained at every look for 0.3 s, so a message between the queue and
    `unacked` (kombu pops, then records) is not missed.

    `taken_since`: a message a worker took before Redis went away may stay unacknowledged
    (its ack was lost) until the visibility timeout (300 s) gives it out again - where the
    turn's event-id claim turns it away. That is beyond any test's wait; pass the outage's
    end (epoch seconds) so only messages taken after it are waited for."""
    since: list[float] = []  # when the current run of drained looks began

    def stays_drained() -> bool:
        if not drained(redis_url, celery_queue, taken_since):
            since.clear()
            return False
        since[:] = since or [time.monotonic()]
        return time.monotonic() - since[0] >= 0.3

    wait_until(stays_drained, timeout, "the queue, unacked tasks and Slack lanes to drain")


def kill_serve(serve: ServeProcess) -> None:
    """SIGKILL the server's whole process group (a crash, not a shutdown)."""
    serve.kill()


def wait_until(check: Callable[[], object], timeout: float, what: str) -> float:
    """`tests.polling.wait_until`, returning the monotonic time the effect was seen."""
    poll(check, timeout, what, interval=0.1)
    return time.monotonic()


__all__ = [
    "Beat",
    "FakeSlackAPI",
    "ServeProcess",
    "SlackSender",
    "kill_serve",
    "production_env",
    "slack_counts",
    "start_worker",
    "trained_model_dir",
    "wait_answered",
    "wait_drained",
    "wait_until",
]
