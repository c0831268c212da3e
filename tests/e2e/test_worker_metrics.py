"""Issue 16 done-when: after one workflow run, the worker's metrics port shows the step
durations recorded in its pool processes (prometheus_client multiprocess mode).

Reproduces: steps ran in Celery pool children whose metrics no one could scrape.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from agents.workflows.service import WorkflowService
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.e2e.slack_support import free_port
from tests.e2e.worker_support import ROOT, Worker, worker_env
from tests.polling import wait_until

pytestmark = pytest.mark.slow


def scrape(url: str) -> dict[str, float]:
    """Samples by `name{labels}`, summed over label sets per name as well (`name`)."""
    totals: dict[str, float] = {}
    text = httpx.get(url, timeout=5).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
    return totals


def test_worker_port_serves_pool_metrics(pg_url: str, redis_url: str, tmp_path: Path) -> None:
    queue = f"bmad-test-metrics-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=pg_url,
        redis_url=redis_url,
        queue="celery",
        celery_queue=queue,
        data_dir=str(tmp_path / "data"),
        _env_file=None,
    )
    tenant = make_tenant(pg_url, f"t{uuid.uuid4().hex[:10]}")
    port = free_port()
    env = worker_env(pg_url, redis_url, queue, tmp_path / "data")
    worker = Worker(env, tmp_path / "worker.log", concurrency=2, extra=(f"--metrics-port={port}",))
    try:
        worker.wait_ready()
        url = f"http://127.0.0.1:{port}/metrics"
        assert scrape(url).get("bmad_workflow_step_seconds_count", 0) == 0
        service = WorkflowService(settings)
        run = service.start(
            tenant_id=tenant,
            workflow="incident_response",
            inputs={},
            conversation_key=f"{tenant}:api:metrics",
            user_id="ops",
        )
        service.wait_settled(tenant, [run.id], timeout=90)
        assert service.get(tenant, run.id).status == "succeeded"

        def three_steps_counted() -> dict[str, float]:
            samples = scrape(url)
            return samples if samples.get("bmad_workflow_step_seconds_count", 0) >= 3 else {}

        samples = wait_until(three_steps_counted, 20, "3 step durations counted", interval=0.2)
        assert samples["bmad_workflow_runs_finished_total"] >= 1
        assert samples["bmad_agent_steps_total"] >= 2
        assert samples["bmad_celery_tasks_total"] >= 3

        # The compose / Kubernetes health check of a worker.
        def ping(*args: str) -> int:
            cmd = [sys.executable, "-m", "bot.cli", "worker-ping", "--timeout", "5", *args]
            return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True).returncode

        assert ping() == 0
        assert ping("--node", "celery@nobody-here") == 1
    finally:
        worker.stop()
