"""Two `bmad serve` replicas on the same Redis and PostgreSQL receive the same Slack event
(as after a load-balancer retry): exactly one reply, through the pipeline's shared claim."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.e2e.slack_support import ServeProcess, post_signed, slack_env, slack_turns
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI
from tests.polling import wait_until

pytestmark = pytest.mark.slow


def test_same_event_on_two_replicas_gets_one_reply(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    with FakeSlackAPI() as fake, ExitStack() as stack:
        env = slack_env(fake.api_url, pg_url, redis_url)
        replicas = [stack.enter_context(ServeProcess(env, tmp_path)) for _ in range(2)]
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

        # All three deliveries are done once each was answered or turned away as a
        # duplicate (fresh replicas: no other turns counted); only then is the count final.
        def replies() -> int:
            return len(fake.calls_to("chat.postMessage", channel=channel))

        wait_until(
            lambda: replies() + sum(slack_turns(serve, "duplicate") for serve in replicas) >= 3,
            30,
            "all three deliveries to be answered or recognised as duplicates",
        )
        assert replies() == 1


STATE_COOKIE = "slack-app-oauth-state"


def _install(http: httpx.Client, serve: ServeProcess, fake: FakeSlackAPI, team: str) -> str:
    """Bolt's OAuth flow on `serve`; returns the bot token Slack issued."""
    code = f"code-{uuid.uuid4().hex[:8]}"
    fake.add_oauth_code(code, installer=f"U{team[1:]}", team_id=team, team_name="Acme")
    page = http.get(f"{serve.base_url}/slack/install")
    state = parse_qs(urlsplit(page.headers["location"]).query)["state"][0]
    done = http.get(
        f"{serve.base_url}/slack/oauth_redirect",
        params={"code": code, "state": state},
        headers={"Cookie": f"{STATE_COOKIE}={state}"},
    )
    assert done.status_code == 200, done.text
    grant = [c for c in fake.calls_to("oauth.v2.access") if c.params["code"] == code]
    return str(grant[0].response["access_token"])


def test_reinstall_on_one_replica_reaches_the_other(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    with FakeSlackAPI() as fake:
        env = slack_env(
            fake.api_url, pg_url, redis_url, SLACK_CLIENT_ID="9.9", SLACK_CLIENT_SECRET="s"
        )
        env.pop("SLACK_BOT_TOKEN")
        with ServeProcess(env, tmp_path) as a, ServeProcess(env, tmp_path) as b:
            tag = uuid.uuid4().hex[:8].upper()
            team, user = f"T{tag}", f"U{tag}"
            with httpx.Client(timeout=5.0) as http:
                first = _install(http, a, fake, team)
                before = P.app_mention(user, f"C1{tag}", "what can you do?")
                assert (
                    post_signed(http, b.base_url, P.event_callback(team, before)).status_code == 200
                )
                (reply,) = fake.wait_for("chat.postMessage", 1, timeout=30, channel=f"C1{tag}")
                assert reply.token == first  # replica b now has the installation cached

                uninstalled = P.event_callback(team, {"type": "app_uninstalled"})
                assert post_signed(http, a.base_url, uninstalled).status_code == 200
                fake.revoke(first)
                second = _install(http, a, fake, team)

                after = P.app_mention(user, f"C2{tag}", "what can you do?")
                assert (
                    post_signed(http, b.base_url, P.event_callback(team, after)).status_code == 200
                )
                (reply,) = fake.wait_for("chat.postMessage", 1, timeout=15, channel=f"C2{tag}")
            assert reply.token == second != first
            stale = fake.calls_to("chat.postMessage", answered_ok=False, channel=f"C2{tag}")
            assert len([c for c in stale if c.token == first]) <= 1  # reloaded once, at most
