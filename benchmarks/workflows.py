"""Workflow engine throughput and latency, offline agents (no LLM), embedded thread pool.

- runs: N `deploy` runs (plan -> deploy dry run -> notify: 3 steps each) started from
  8 threads at once; `runs_per_s` = N / wall time until all settled (notices delivered).
- per run: created -> finished, p50/p95 (queueing, 3 claims, 3 results, notices).
- feature_delivery: one run to its approval, approve, to the end (wall seconds).

    .venv/bin/python -m benchmarks.workflows                    # embedded SQLite + fakeredis
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> \
    BENCH_REDIS_URL=redis://127.0.0.1:6379/0 \
        .venv/bin/python -m benchmarks.workflows                # a migrated PostgreSQL + Redis
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from agents.workflows.service import WorkflowService
from integrations.db.migrate import upgrade
from integrations.db.models import Role, WorkflowRun
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.observability.logging import configure_logging
from integrations.settings import Settings
from tests.conftest import make_tenant

RUNS = int(os.environ.get("BENCH_RUNS", "60"))


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[max(0, int(len(ordered) * q) - 1)], 3)


def main() -> None:
    configure_logging("WARNING", True)
    tmp = tempfile.mkdtemp()
    url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    settings = Settings(
        database_url=url,
        redis_url=os.environ.get("BENCH_REDIS_URL"),
        queue="eager",
        data_dir=tmp,
        _env_file=None,
    )
    upgrade(url)
    tenant = f"bench{uuid.uuid4().hex[:8]}"
    make_tenant(url, tenant, plan="enterprise")  # no quota in the way of the measurement
    with tenant_session(url, tenant) as session:
        set_role(session, tenant, "lead", Role.admin)
    service = WorkflowService(settings)

    def start(i: int) -> int:
        return service.start(
            tenant_id=tenant,
            workflow="deploy",
            inputs={"service": f"svc{i}", "environment": "staging"},
            conversation_key=f"{tenant}:api:bench{i}",
            user_id="dev",
        ).id

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(start, range(RUNS)))
    service.wait_settled(tenant, ids, timeout=600)
    wall = time.perf_counter() - began
    with tenant_session(url, tenant) as session:
        runs = [session.get(WorkflowRun, i) for i in ids]
        durations = [(r.finished_at - r.created_at).total_seconds() for r in runs if r.finished_at]
        succeeded = sum(1 for r in runs if r.status == "succeeded")

    began = time.perf_counter()
    fd = service.start(
        tenant_id=tenant,
        workflow="feature_delivery",
        inputs={"feature": "bench feature"},
        conversation_key=f"{tenant}:api:fd",
        user_id="dev",
    )
    service.wait_settled(tenant, [fd.id], timeout=120)
    service.approve(tenant, fd.id, "lead")
    service.wait_settled(tenant, [fd.id], timeout=120)
    fd_seconds = time.perf_counter() - began

    print(
        json.dumps(
            {
                "benchmark": "workflows",
                "database": url.split(":", 1)[0].split("+", 1)[0],
                "redis": "real" if settings.redis_url else "embedded",
                "runs": RUNS,
                "succeeded": succeeded,
                "runs_per_s": round(RUNS / wall, 2),
                "steps_per_s": round(3 * RUNS / wall, 2),
                "run_seconds_p50": _pct(durations, 0.5),
                "run_seconds_p95": _pct(durations, 0.95),
                "feature_delivery_seconds": round(fd_seconds, 2),
                "feature_delivery_status": service.get(tenant, fd.id).status,
            }
        )
    )


if __name__ == "__main__":
    main()
