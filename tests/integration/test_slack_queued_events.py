"""Events API requests are acked once queued and dispatched by Bolt in the worker (issue 13).

The web process only verifies and queues an `event_callback`; requests arriving together
share one broker message (group commit); the worker's Bolt turns each into the job the web
used to build, ignores what the listeners ignore, and raises - so the task retries - when
it cannot dispatch at all.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.app import create_app
from bot.slack.event_requests import jobs_of_request
from bot.slack.jobs import SlackJob
from bot.slack.turn import TurnUnavailable
from integrations.settings import Settings
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI, sign_request
from tests.own_services import OwnRedis, free_port

pytestmark = pytest.mark.integration

SECRET = "queued-events-secret"
MENTIONS = 30


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[OwnRedis]:
    with OwnRedis(tmp_path) as own:
        yield own


def _settings(base: Settings, redis: OwnRedis, api_url: str) -> Settings:
    return base.model_copy(
        update={
            "queue": "celery",
            "redis_url": redis.url,
            "celery_queue": f"bmad-queued-{uuid.uuid4().hex[:8]}",
            "slack_signing_secret": SecretStr(SECRET),
            "slack_bot_token": SecretStr("xoxb-queued"),
            "slack_api_url": api_url,
        }
    )


def _messages(redis: OwnRedis, queue: str) -> list[list[dict[str, Any]]]:
    """Each broker message in the turn queue, as the list of jobs it carries. What users
    wrote travels only in the body: never in the headers that task events and monitoring
    tools show (Celery's `argsrepr`)."""
    batches = []
    for raw in redis.client().lrange(queue, 0, -1):
        message = json.loads(raw)
        assert message["headers"]["task"] == "bmad.slack.run_jobs"
        jobs = json.loads(base64.b64decode(message["body"]))[0][0]
        assert message["headers"]["argsrepr"] == f"[<{len(jobs)} slack jobs>]"
        batches.append(jobs)
    return batches


def _event(team: str, event: dict[str, Any]) -> dict[str, Any]:
    """The job the web process queues for `event`."""
    body = P.event_callback(team, event)
    return {"body": body, "headers": {"content-type": "application/json"}}


async def _post_all(app: Any, bodies: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bmad") as client:

        async def post(body: str) -> int:
            headers = sign_request(SECRET, body)
            response = await client.post("/slack/events", content=body.encode(), headers=headers)
            return response.status_code

        return list(await asyncio.gather(*(post(b) for b in bodies)))


def test_mentions_arriving_together_share_a_broker_message_and_each_becomes_its_turn(
    embedded_settings: Settings, redis: OwnRedis
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    texts = [f"deploy service-{i} to staging" for i in range(MENTIONS)]
    bodies = [
        P.event_callback(f"T{tag}", P.app_mention(f"U{tag}{i}", f"C{tag}", text))
        for i, text in enumerate(texts)
    ]
    with FakeSlackAPI() as slack:
        settings = _settings(embedded_settings, redis, slack.api_url)
        statuses = asyncio.run(_post_all(create_app(settings), bodies))
        assert statuses == [200] * MENTIONS

        batches = _messages(redis, settings.turn_queue)
        jobs = [SlackJob.model_validate(job) for batch in batches for job in batch]
        assert len(jobs) == MENTIONS
        assert len(batches) < MENTIONS  # group commit: fewer broker messages than acks
        assert {job.kind for job in jobs} == {"event_request"}
        turns = [turn for job in jobs for turn in jobs_of_request(settings, job.data)]
    assert sorted(turn.data["text"] for turn in turns) == sorted(texts)
    assert {turn.kind for turn in turns} == {"turn"}


def test_the_worker_ignores_what_the_listeners_ignore(
    embedded_settings: Settings, redis: OwnRedis
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    team, user, channel = f"T{tag}", f"U{tag}", f"D{tag}"
    with FakeSlackAPI() as slack:
        settings = _settings(embedded_settings, redis, slack.api_url)
        ignored = [
            P.message(user, channel, "from a bot", bot_id="B1"),
            P.message(user, channel, "an edit", subtype="message_changed"),
            {"type": "reaction_added", "user": user, "reaction": "tada"},  # no listener
        ]
        for event in ignored:
            assert jobs_of_request(settings, _event(team, event)) == []
        [dm] = jobs_of_request(settings, _event(team, P.message(user, channel, "help")))
    assert (dm.kind, dm.data["text"], dm.data["dm"]) == ("turn", "help", True)


def test_a_request_the_worker_cannot_dispatch_raises_so_the_task_retries(
    embedded_settings: Settings, redis: OwnRedis
) -> None:
    """Slack's API unreachable for the token check: nothing is dispatched, nothing dropped."""
    tag = uuid.uuid4().hex[:6].upper()
    settings = _settings(embedded_settings, redis, f"http://127.0.0.1:{free_port()}/api/")
    mention = P.app_mention(f"U{tag}", f"C{tag}", "what can you do?")
    with pytest.raises(TurnUnavailable):
        jobs_of_request(settings, _event(f"T{tag}", mention))
