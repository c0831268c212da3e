"""The production path: the beat task `bmad.webhooks_out.drain` run by a real `bmad worker`
(Celery on the real Redis, its own queue) delivers an outbox event to a local receiver."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from pydantic import SecretStr

from agents.queue import configure_celery
from integrations.db.events import enqueue_event
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import add_endpoint
from integrations.webhooks_out.tasks import TASK_NAME
from tests.conftest import make_tenant
from tests.e2e.worker_support import Worker, worker_env
from tests.polling import wait_until
from tests.services import DEPLOYMENT_SECRET_KEY
from tests.unit.webhooks.receiver import Receiver

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_worker_drains_the_outbox(
    pg_url: str, redis_url: str, tmp_path: Path, tenant_id: str
) -> None:
    queue = f"bmad-webhooks-{uuid.uuid4().hex[:8]}"
    env = worker_env(pg_url, redis_url, queue, tmp_path / "data")
    env["BMAD_WEBHOOK_ALLOW_PRIVATE"] = "1"  # the receiver listens on 127.0.0.1
    # This process and the worker have different data dirs (no shared key file): the
    # endpoint secret stored here is readable there only through the one BMAD_SECRET_KEY.
    settings = Settings(
        database_url=pg_url, redis_url=redis_url, queue="celery", celery_queue=queue,
        data_dir=str(tmp_path / "here"), webhook_allow_private=True, _env_file=None,
        secret_key=SecretStr(DEPLOYMENT_SECRET_KEY),
    )  # fmt: skip
    make_tenant(pg_url, tenant_id)
    with Receiver([200]) as rx:
        with tenant_session(pg_url, tenant_id) as session:
            add_endpoint(session, settings, tenant_id, rx.url, ["run.waiting_approval"])
            enqueue_event(session, tenant_id, "run.waiting_approval", {"run_id": 3, "step": "ok"})
        worker = Worker(env, tmp_path / "worker.log")
        try:
            worker.wait_ready()
            configure_celery(settings).send_task(TASK_NAME, queue=queue)
            wait_until(lambda: rx.requests, 30, "the worker to deliver the event", interval=0.1)
        finally:
            worker.stop()
        (request,) = rx.requests
        assert json.loads(request.body)["data"] == {"run_id": 3, "step": "ok"}
