"""`bmad serve` subprocesses wired to the fake Slack Web API, and signed Slack requests.

Used by tests/e2e/test_slack*.py and benchmarks/slack_ingest.py: the server runs exactly
as in production (uvicorn, Bolt, real Redis + PostgreSQL), only Slack's side is local.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.slack_api import sign_request
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
    """`python -m bot.cli serve` on a free port; stops on `close()`; output kept in a file."""

    def __init__(self, env: Mapping[str, str], workdir: Path, port: int | None = None) -> None:
        self.port = port or free_port()
        self.log_path = workdir / f"serve-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(self.port)],
            cwd=workdir,
            env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.base_url = f"http://127.0.0.1:{self.port}"
        try:
            self._wait_healthy()
        except BaseException:
            self.close()  # never leave a half-started server behind
            raise

    def _wait_healthy(self, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bmad serve exited:\n{self.output()}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"bmad serve did not come up:\n{self.output()}")

    def output(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")[-6000:]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()


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
