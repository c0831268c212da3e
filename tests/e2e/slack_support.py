"""`bmad serve` subprocesses wired to the fake Slack Web API, and signed Slack requests.

Used by tests/e2e/test_slack*.py and benchmarks/slack_ingest.py: the server runs exactly
as in production (uvicorn, Bolt, real Redis + PostgreSQL), only Slack's side is local.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.fakes.slack_api import sign_request
from tests.polling import wait_until
from tests.services import DEPLOYMENT_KEYS

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-test-bot-token"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def clean_env() -> dict[str, str]:
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("BMAD_", "OPENAI_", "SLACK_", "STRIPE_", "SENDGRID_"))
    }


class ServeProcess:
    """`python -m bot.cli serve` on a free port, in a process group of its own; output kept
    in a file. Stops on `close()` (or leaving a `with` block): the whole group, so no
    uvicorn worker outlives it. A server that does not come up is stopped before the error
    is raised: nothing the helper started is ever left behind."""

    def __init__(
        self,
        env: Mapping[str, str],
        workdir: Path,
        port: int | None = None,
        startup_timeout: float = 40.0,
    ) -> None:
        self.port = port or free_port()
        self.log_path = workdir / f"serve-{self.port}.log"
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._log = self.log_path.open("wb")
        started = False
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)],
                cwd=workdir,
                env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: `close()` stops all of it
            )
            self._wait_healthy(startup_timeout)
            started = True
        finally:
            if not started:
                self.close()  # never leave a half-started server behind

    def _wait_healthy(self, timeout: float) -> None:
        def healthy() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bmad serve exited:\n{self.output()}")
            try:
                return httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        try:
            wait_until(healthy, timeout, "bmad serve to come up", interval=0.2)
        except AssertionError:
            raise RuntimeError(
                f"bmad serve did not come up in {timeout} s:\n{self.output()}"
            ) from None

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        """SIGKILL the whole group at once (a crash: no graceful shutdown)."""
        proc = getattr(self, "proc", None)
        if proc is not None:
            _signal_group(proc, signal.SIGKILL)
            proc.wait(timeout=10)

    def close(self) -> None:
        """Stop the whole group (`stop_group`). Safe to call twice."""
        proc = getattr(self, "proc", None)  # absent when Popen itself failed
        try:
            if proc is not None:
                stop_group(proc)
        finally:
            self._log.close()

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _signal_group(proc: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    """`sig` to the process group `proc` leads (started with `start_new_session`)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def stop_group(proc: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    """Stop a process started with `start_new_session=True` and everything in its group:
    SIGTERM to the group, SIGKILL after `timeout`; then SIGKILL whatever of the group is
    left (a child the leader did not take down with it)."""
    try:
        if proc.poll() is None:
            _signal_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(timeout=5)
    finally:
        _signal_group(proc, signal.SIGKILL)  # leftovers of the group, if any


def slack_turns(serve: ServeProcess, outcome: str) -> float:
    """`bmad_slack_turns_total{outcome=...}` on `serve`'s /metrics: Slack turns it finished
    after the ack with that outcome (e.g. "duplicate": turned away by the event-id claim)."""
    text = httpx.get(f"{serve.base_url}/metrics", timeout=5).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "bmad_slack_turns_total" and sample.labels.get("outcome") == outcome
    )


def slack_env(
    api_url: str, database_url: str, redis_url: str | None, **extra: str
) -> dict[str, str]:
    env = {
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": api_url,
        "BMAD_DATABASE_URL": database_url,
        "BMAD_QUEUE": "eager",
        "BMAD_LOG_LEVEL": "INFO",
        **DEPLOYMENT_KEYS,
    }
    if redis_url:
        env["BMAD_REDIS_URL"] = redis_url
    env.update(extra)
    return env


def post_signed(
    client: httpx.Client,
    base_url: str,
    body: str,
    *,
    form: bool = False,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry_num: int | None = None,
    path: str = "/slack/events",
) -> httpx.Response:
    headers: dict[str, Any] = sign_request(
        secret, body, timestamp=timestamp, content_type="form" if form else "json"
    )
    if retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return client.post(f"{base_url}{path}", content=body.encode(), headers=headers)
