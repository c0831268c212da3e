"""The Slack ack path's broker connection builds one redis client, not one per publish
(issue 13: building one was a third of each publish's CPU on the web process), and what it
publishes is what kombu's own Redis transport would have put in the queue."""

from __future__ import annotations

import base64
import json
import uuid

import pytest
import redis
from kombu import Connection

from bot.slack.publisher import BatchSender
from integrations.redis_publish_transport import PublishTransport, publish_transport
from integrations.settings import Settings

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("redis://127.0.0.1:6379/0", PublishTransport),
        ("rediss://127.0.0.1:6380/0", PublishTransport),
        ("sentinel://127.0.0.1:26379", None),
        ("memory://", None),
    ],
)
def test_only_plain_redis_brokers_publish_on_the_shared_client(
    url: str, expected: type | None
) -> None:
    assert publish_transport(Connection(url)) is expected


def test_many_publishes_build_one_client_and_every_message_arrives(
    embedded_settings: Settings, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    queue = f"bmad-publish-{uuid.uuid4().hex[:8]}"
    settings = embedded_settings.model_copy(
        update={"queue": "celery", "redis_url": redis_url, "celery_queue": queue}
    )
    built = []
    real_init = redis.Redis.__init__

    def counting_init(self: redis.Redis, *args: object, **kwargs: object) -> None:
        built.append(self)
        real_init(self, *args, **kwargs)  # type: ignore[arg-type]

    sender = BatchSender(settings)
    client = redis.Redis.from_url(redis_url)
    try:
        sender.send([{"kind": "probe", "batch": 0, "job": j} for j in range(3)])  # connects
        monkeypatch.setattr(redis.Redis, "__init__", counting_init)
        for batch in range(1, 20):
            sender.send([{"kind": "probe", "batch": batch, "job": j} for j in range(3)])
        monkeypatch.undo()
        assert built == []  # kombu's own channel builds one per publish
        raw = client.lrange(settings.turn_queue, 0, -1)
        jobs = [
            job
            for message in map(json.loads, reversed(raw))
            for job in json.loads(base64.b64decode(message["body"]))[0][0]
        ]
        assert [(job["batch"], job["job"]) for job in jobs] == [
            (b, j) for b in range(20) for j in range(3)
        ]
    finally:
        client.delete(settings.turn_queue, queue)
