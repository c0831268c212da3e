"""Slack gets a 2xx only for work the broker has taken (issue 13): with the broker down a
mention, a slash command and a button click are answered 503 + Retry-After, so Slack sends
them again; once it is back the same requests are acknowledged and queued."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.slack.event_requests import jobs_of_request
from bot.slack.jobs import SlackJob
from integrations.settings import Settings
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI, sign_request
from tests.own_services import OwnRedis

pytestmark = pytest.mark.integration

SECRET = "durable-ack-secret"


def _post(client: TestClient, body: str, *, form: bool = False) -> int:
    headers = sign_request(SECRET, body, content_type="form" if form else "json")
    response = client.post("/slack/events", content=body.encode(), headers=headers)
    if response.status_code == 503:
        assert int(response.headers["Retry-After"]) > 0
        assert response.json()["error"]["code"] == "unavailable"
    return response.status_code


def _queued(redis: OwnRedis, queue: str) -> list[dict[str, object]]:
    """Slack jobs waiting in the turn queue (kombu's Redis list), decoded."""
    jobs: list[dict[str, object]] = []
    for raw in redis.client().lrange(queue, 0, -1):
        message = json.loads(raw)
        assert message["headers"]["task"] == "bmad.slack.run_jobs"
        args = json.loads(base64.b64decode(message["body"]))[0]
        jobs.extend(args[0])
    return jobs


def test_slack_is_acked_only_once_the_broker_took_the_job(
    embedded_settings: Settings, tmp_path: Path
) -> None:
    queue = f"bmad-durable-{uuid.uuid4().hex[:8]}"
    tag = uuid.uuid4().hex[:6].upper()
    team, user, channel = f"T{tag}", f"U{tag}", f"C{tag}"
    mention = P.event_callback(team, P.app_mention(user, channel, "what can you do?"))
    command = P.slash_command(team, user, channel, "deploy checkout to staging")
    with OwnRedis(tmp_path) as redis, FakeSlackAPI() as slack:
        settings = embedded_settings.model_copy(
            update={
                "queue": "celery",
                "redis_url": redis.url,
                "celery_queue": queue,
                "slack_signing_secret": SecretStr(SECRET),
                "slack_bot_token": SecretStr("xoxb-durable"),
                "slack_api_url": slack.api_url,
            }
        )
        client = TestClient(create_app(settings))
        turn_queue = settings.turn_queue

        assert _post(client, mention) == 200
        queued = _queued(redis, turn_queue)
        assert [j["kind"] for j in queued] == ["event_request"]
        # The worker's Bolt turns the queued request into the turn the web used to build.
        request = SlackJob.model_validate(queued[0])
        [turn] = jobs_of_request(settings, request.data)
        assert (turn.kind, turn.data["text"], turn.data["user_id"]) == (
            "turn",
            "what can you do?",
            user,
        )

        redis.stop()  # the broker is down: nothing may be acknowledged
        assert _post(client, mention) == 503
        assert _post(client, command, form=True) == 503

        redis.start()  # Slack's retries now get through (AOF kept the first job)
        assert _post(client, mention) == 200
        assert _post(client, command, form=True) == 200
        kinds = sorted(j["kind"] for j in _queued(redis, turn_queue))
        assert kinds == ["command", "event_request", "event_request"]
