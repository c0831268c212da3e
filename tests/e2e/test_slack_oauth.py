"""Multi-workspace install through Bolt's OAuth flow against the fake oauth.v2.access:
the workspace becomes a tenant, the installer its owner, events are answered with the
installed token, and app_uninstalled removes the tokens."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import text

from integrations.db.models import Role
from integrations.db.session import admin_session, engine_for, tenant_session
from integrations.db.tenants import get_tenant, role_of
from tests.e2e.slack_support import ServeProcess, post_signed, slack_env
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI
from tests.polling import wait_until

pytestmark = pytest.mark.slow

STATE_COOKIE = "slack-app-oauth-state"


def _rows(database_url: str, table: str, team: str) -> int:
    with engine_for(database_url).connect() as conn:
        query = text(f"SELECT count(*) FROM {table} WHERE team_id = :t")
        return int(conn.execute(query, {"t": team}).scalar_one())


def _bots(database_url: str, team: str) -> int:
    return _rows(database_url, "slack_bots", team)


def test_install_creates_the_tenant_and_its_owner(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    team, installer, channel = f"T{tag}", f"U{tag}", f"C{tag}"
    with FakeSlackAPI() as fake:
        env = slack_env(
            fake.api_url,
            pg_url,
            redis_url,
            SLACK_CLIENT_ID="111.222",
            SLACK_CLIENT_SECRET="client-secret-for-tests",
            BMAD_PUBLIC_URL="https://bmad.example.test",
        )
        env.pop("SLACK_BOT_TOKEN")
        serve = ServeProcess(env, tmp_path)
        try:
            with httpx.Client(timeout=5.0) as http:
                page = http.get(f"{serve.base_url}/slack/install")
                assert page.status_code == 302  # straight to Slack, no page of our own
                authorize = urlsplit(page.headers["location"])
                assert authorize.netloc == "slack.com" and authorize.path == "/oauth/v2/authorize"
                query = parse_qs(authorize.query)
                assert query["redirect_uri"] == ["https://bmad.example.test/slack/oauth_redirect"]
                assert query["client_id"] == ["111.222"]
                state = query["state"][0]
                assert f"{STATE_COOKIE}={state}" in page.headers["set-cookie"]

                fake.add_oauth_code("code-1", installer=installer, team_id=team, team_name="Acme")
                done = http.get(
                    f"{serve.base_url}/slack/oauth_redirect",
                    params={"code": "code-1", "state": state},
                    headers={"Cookie": f"{STATE_COOKIE}={state}"},
                )
                assert done.status_code == 200, done.text
                (access,) = fake.calls_to("oauth.v2.access")
                assert access.params["code"] == "code-1"

                with admin_session(pg_url) as session:
                    assert get_tenant(session, team).name == "Acme"
                with tenant_session(pg_url, team) as session:
                    assert role_of(session, installer) == Role.owner
                assert _bots(pg_url, team) == 1

                # A replayed callback (state already consumed) installs nothing more.
                again = http.get(
                    f"{serve.base_url}/slack/oauth_redirect",
                    params={"code": "code-1", "state": state},
                    headers={"Cookie": f"{STATE_COOKIE}={state}"},
                )
                assert again.status_code >= 400
                assert len(fake.calls_to("oauth.v2.access")) == 1

                mention = P.app_mention(installer, channel, "what can you do?")
                assert (
                    post_signed(http, serve.base_url, P.event_callback(team, mention)).status_code
                    == 200
                )
                (reply,) = fake.wait_for("chat.postMessage", 1, timeout=30, channel=channel)
                assert reply.token and reply.token.startswith(f"xoxb-{team}-")
                assert reply.params["thread_ts"] == mention["ts"]

                revoked = P.event_callback(
                    team, {"type": "tokens_revoked", "tokens": {"bot": [P.BOT_USER]}}
                )
                assert post_signed(http, serve.base_url, revoked).status_code == 200
                wait_until(lambda: _bots(pg_url, team) == 0, 15, "the bot rows to be gone")
                assert _bots(pg_url, team) == 0
                assert _rows(pg_url, "slack_installations", team) == 1  # only the bot token

                uninstalled = P.event_callback(team, {"type": "app_uninstalled"})
                assert post_signed(http, serve.base_url, uninstalled).status_code == 200
                wait_until(
                    lambda: _rows(pg_url, "slack_installations", team) == 0,
                    15,
                    "the installation rows to be gone",
                )
                assert _rows(pg_url, "slack_installations", team) == 0
                with admin_session(pg_url) as session:
                    assert get_tenant(session, team)  # the tenant and its data stay
        finally:
            serve.close()


def test_install_with_a_forged_state_is_refused(
    pg_url: str, redis_url: str, tmp_path: Path
) -> None:
    with FakeSlackAPI() as fake:
        env = slack_env(
            fake.api_url, pg_url, redis_url, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s"
        )
        env.pop("SLACK_BOT_TOKEN")
        serve = ServeProcess(env, tmp_path)
        try:
            fake.add_oauth_code("code-2", installer="UX", team_id="TX", team_name="X")
            done = httpx.get(
                f"{serve.base_url}/slack/oauth_redirect",
                params={"code": "code-2", "state": "forged"},
                headers={"Cookie": f"{STATE_COOKIE}=forged"},
                timeout=5,
            )
            assert done.status_code >= 400
            assert fake.calls_to("oauth.v2.access") == []
        finally:
            serve.close()
