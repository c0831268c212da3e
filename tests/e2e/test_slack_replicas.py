"""Two `bmad serve` replicas on the same Redis and PostgreSQL receive the same Slack event
(as after a load-balancer retry): exactly one reply, through the pipeline's shared claim."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.e2e.slack_support import ServeProcess, post_signed, slack_env
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.slow


def test_same_event_on_two_replicas_gets_one_reply(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    with FakeSlackAPI() as fake:
        env = slack_env(fake.api_url, pg_url, redis_url)
        replicas = [ServeProcess(env, tmp_path), ServeProcess(env, tmp_path)]
        try:
            tag = uuid.uuid4().hex[:8].upper()
            team, user, channel = f"T{tag}", f"U{tag}", f"C{tag}"
            body = P.event_callback(team, P.app_mention(user, channel, "what can you do?"))
            with httpx.Client(timeout=3.0) as http, ThreadPoolExecutor(2) as pool:
                sent = pool.map(
                    lambda serve: post_signed(http, serve.base_url, body).status_code,
                    replicas,
                )
                assert list(sent) == [200, 200]
                # And the retry Slack sends later, to one of them.
                assert post_signed(http, replicas[1].base_url, body, retry_num=1).status_code == 200
            fake.wait_for("chat.postMessage", 1, timeout=30, channel=channel)
            time.sleep(3)
            assert len(fake.calls_to("chat.postMessage", channel=channel)) == 1
        finally:
            for serve in replicas:
                serve.close()
