"""Workflows on real Celery workers (`bmad worker`), Redis broker and PostgreSQL.

- feature_delivery through workers, approved with `bmad runs approve`, inspected with
  `bmad runs show --json`;
- a worker SIGKILLed in the middle of a step: the sweeper re-queues the step, a new worker
  runs attempt 2, the run completes once and every result is posted once.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from agents.notify import read_notices
from agents.workflows.service import WorkflowService
from agents.workflows.sweeper import sweep
from integrations.db.models import OutboxEvent, Role, WorkflowEvent, WorkflowStep
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.e2e.worker_support import ROOT, Worker, worker_env
from tests.fakes.deploy_hook import DeployHookServer
from tests.polling import wait_until
from tests.unit.agents.conftest import place_slow_template

pytestmark = pytest.mark.slow

QUEUE = f"bmad-test-{uuid.uuid4().hex[:10]}"  # unique per test session


@pytest.fixture
def celery_settings(pg_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=pg_url,
        redis_url=redis_url,
        queue="celery",
        celery_queue=QUEUE,
        data_dir=str(tmp_path / "data"),
        webhook_allow_private=True,  # the slow deploy hook listens on 127.0.0.1
        _env_file=None,
    )


@pytest.fixture
def env(celery_settings: Settings, tmp_path: Path) -> dict[str, str]:
    return worker_env(
        celery_settings.database_url, celery_settings.redis_url or "", QUEUE, tmp_path / "data"
    ) | {"BMAD_WEBHOOK_ALLOW_PRIVATE": "1"}  # the slow deploy hook listens on 127.0.0.1


@pytest.fixture
def worker(env: dict[str, str], tmp_path: Path) -> Iterator[Worker]:
    w = Worker(env, tmp_path / "worker1.log")
    try:
        w.wait_ready()
        yield w
    finally:
        w.stop()  # also when it never got ready


@pytest.fixture
def tenant(celery_settings: Settings, tenant_id: str) -> str:
    make_tenant(celery_settings.database_url, tenant_id)
    with tenant_session(celery_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "owner-1", Role.owner)
    return tenant_id


def _bmad(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_feature_delivery_on_celery_workers(
    celery_settings: Settings, env: dict[str, str], worker: Worker, tenant: str
) -> None:
    service = WorkflowService(celery_settings)
    run = service.start(
        tenant_id=tenant,
        workflow="feature_delivery",
        inputs={"feature": "invoice PDF export"},
        conversation_key=f"{tenant}:api:celery",
        user_id="dev",
    )
    service.wait_settled(tenant, [run.id], timeout=90)
    assert service.get(tenant, run.id).status == "waiting_approval"

    refused = _bmad(env, "runs", "approve", str(run.id), "--user", "nobody", "--tenant", tenant)
    assert refused.returncode == 1 and "admin" in refused.stderr

    approved = _bmad(env, "runs", "approve", str(run.id), "--user", "owner-1", "--tenant", tenant)
    assert approved.returncode == 0, approved.stderr
    service.wait_settled(tenant, [run.id], timeout=90)

    shown = _bmad(env, "runs", "show", str(run.id), "--json", "--tenant", tenant)
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["id"] == run.id and data["workflow"] == "feature_delivery"
    assert data["status"] == "succeeded"
    assert [s["name"] for s in data["steps"]] == [
        "story",
        "design",
        "test_plan",
        "review",
        "approval",
        "summary",
    ]
    assert all(s["status"] == "succeeded" for s in data["steps"])
    assert "invoice PDF export" in data["steps"][0]["output"]

    listed = json.loads(_bmad(env, "runs", "list", "--json", "--tenant", tenant).stdout)
    assert listed[0]["id"] == run.id and listed[0]["status"] == "succeeded"


def test_worker_killed_mid_step_the_run_still_completes_once(
    celery_settings: Settings,
    env: dict[str, str],
    worker: Worker,
    tenant: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    hook = DeployHookServer(delay=3).start()  # the deploy holds its worker 3 s
    request.addfinalizer(hook.stop)
    place_slow_template(celery_settings, tenant, hook.url, timeout=4)
    ck = f"{tenant}:api:kill"
    service = WorkflowService(celery_settings)
    run = service.start(
        tenant_id=tenant,
        workflow="test_slow",
        inputs={"feature": "resumable uploads"},
        conversation_key=ck,
        user_id="dev",
    )

    def slow_step() -> WorkflowStep:
        with tenant_session(celery_settings.database_url, tenant) as session:
            return session.scalars(
                select(WorkflowStep).where(
                    WorkflowStep.run_id == run.id, WorkflowStep.name == "slow"
                )
            ).one()

    wait_until(  # the deploy call is in flight: mid-step
        lambda: hook.received, 60, "the slow step never called the deploy hook"
    )
    worker.kill()  # the deploy hook answers only after 3 s
    assert slow_step().status == "running" and slow_step().attempt == 1

    replacement = Worker(env, tmp_path / "worker2.log")
    try:
        replacement.wait_ready()
        # beat's job, run here so the test does not wait for the schedule
        wait_until(
            lambda: sweep(celery_settings)["requeued"] != 0,
            60,
            "the sweeper never re-queued the step",
            interval=0.5,
        )
        service.wait_settled(tenant, [run.id], timeout=90)
    finally:
        replacement.stop()

    view = service.get(tenant, run.id)
    assert view.status == "succeeded", view
    assert slow_step().attempt == 2
    # Called again by attempt 2, with the same key the receiver can drop a repeat by.
    assert len(hook.received) == 2 and len({r["idempotency_key"] for r in hook.received}) == 1
    assert "resumable uploads" in next(s.output for s in view.steps if s.name == "after")
    notices = [n for _, n in read_notices(celery_settings, tenant, ck)]
    assert [n.step for n in notices if n.kind == "step_result"] == ["slow", "after"]
    assert [n.kind for n in notices].count("run_finished") == 1
    with tenant_session(celery_settings.database_url, tenant) as session:
        types = list(
            session.scalars(select(WorkflowEvent.type).where(WorkflowEvent.run_id == run.id))
        )
        succeeded_events = session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == "run.succeeded")
        )
    assert types.count("step.worker_lost") == 1
    assert types.count("run.succeeded") == 1 and succeeded_events == 1
