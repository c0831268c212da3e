"""Production wiring: `bmad serve` acks and queues the turn, a `bmad worker` runs it and
replies in the thread (BMAD_QUEUE=celery, real Redis broker, own queue name)."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest

from tests.e2e.slack_support import (
    ROOT,
    ServeProcess,
    clean_env,
    post_signed,
    slack_env,
    stop_group,
)
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.slow


def test_mention_is_answered_by_a_celery_worker(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    queue = f"bmad-slack-test-{uuid.uuid4().hex[:8]}"
    with FakeSlackAPI() as fake:
        env = slack_env(
            fake.api_url, pg_url, redis_url, BMAD_QUEUE="celery", BMAD_CELERY_QUEUE=queue
        )
        worker_log = (tmp_path / "worker.log").open("wb")
        worker = subprocess.Popen(
            # No --queues: the worker consumes BMAD_CELERY_QUEUE and its turn queue by default.
            [sys.executable, "-m", "bot.cli", "worker", "--concurrency=1"],
            cwd=tmp_path,
            env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
            stdout=worker_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # with its pool processes, stopped as a group below
        )
        serve: ServeProcess | None = None
        try:
            serve = ServeProcess(env, tmp_path)  # a server that does not come up stops itself
            tag = uuid.uuid4().hex[:8].upper()
            team, user, channel = f"T{tag}", f"U{tag}", f"C{tag}"
            mention = P.app_mention(user, channel, "what can you do?")
            with httpx.Client(timeout=3.0) as http:
                sent = post_signed(http, serve.base_url, P.event_callback(team, mention))
            assert sent.status_code == 200
            replies = fake.wait_for("chat.postMessage", 1, timeout=60, channel=channel)
            assert replies, (tmp_path / "worker.log").read_text()[-3000:]
            assert replies[0].params["thread_ts"] == mention["ts"]
        finally:
            try:
                if serve is not None:
                    serve.close()
                stop_group(worker, timeout=20)
            finally:
                worker_log.close()
