"""A process that switches brokers and comes back (tests, one-shot commands) can still send.

Defect: kombu's process-wide pool for a broker URL was closed when Celery moved to another
broker and handed out again, closed, on the way back ("Acquire on closed pool")."""

from __future__ import annotations

import uuid

import pytest

from agents.queue import configure_celery
from integrations.redis_store import get_redis
from integrations.settings import Settings

pytestmark = pytest.mark.integration


def test_sending_after_going_back_to_a_broker(redis_url: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    queue = f"bmad-reconf-{uuid.uuid4().hex[:8]}"
    real = Settings(redis_url=redis_url, queue="celery", celery_queue=queue,
                    data_dir=str(tmp_path), _env_file=None)  # fmt: skip
    eager = real.model_copy(update={"queue": "eager"})
    configure_celery(real).send_task("bmad.noop", queue=queue)
    configure_celery(eager)
    configure_celery(real).send_task("bmad.noop", queue=queue)
    client = get_redis(redis_url)
    try:
        assert client.llen(queue) == 2
    finally:
        client.delete(queue)
