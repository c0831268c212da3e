"""`bmad slack socket`: the same Bolt app over Socket Mode, against a local fake of Slack's
websocket and Web API. Envelopes are acked, help answers in the ack, a mention is answered
in its thread."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.e2e.slack_support import ROOT, clean_env, slack_env, stop_group
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.slack_socket import FakeSocketMode

pytestmark = pytest.mark.slow


def test_socket_mode_acks_and_answers(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    tag = uuid.uuid4().hex[:8].upper()
    team, user, channel = f"T{tag}", f"U{tag}", f"C{tag}"
    with FakeSlackAPI() as slack, FakeSocketMode() as socket:
        slack.responders["apps.connections.open"] = socket.open_connection
        env = slack_env(slack.api_url, pg_url, redis_url, SLACK_APP_TOKEN="xapp-1-test")
        env.pop("SLACK_SIGNING_SECRET")  # nothing to sign over a websocket
        log = (tmp_path / "socket.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "slack", "socket"],
            cwd=tmp_path,
            env={**clean_env(), "PYTHONPATH": str(ROOT), **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
        try:
            socket.wait_connected(timeout=40)
            (opened,) = slack.calls_to("apps.connections.open")
            assert opened.token == "xapp-1-test"

            command = dict(parse_qsl(P.slash_command(team, user, channel, "help")))
            help_id = socket.push("slash_commands", command)
            ack = socket.wait_ack(help_id)
            assert ack is not None and "/bmad" in json.dumps(ack.get("payload"))

            mention = P.app_mention(user, channel, "what can you do?")
            event_id = socket.push("events_api", json.loads(P.event_callback(team, mention)))
            assert socket.wait_ack(event_id) is not None
            (reply,) = slack.wait_for("chat.postMessage", 1, timeout=30, channel=channel)
            assert reply.params["thread_ts"] == mention["ts"]
        finally:
            try:
                stop_group(proc)
            finally:
                log.close()
