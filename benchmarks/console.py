"""Web console page time: the runs list (first page, a later page by cursor, the
waiting_approval filter) of a tenant with 1,000 runs of 4 steps each.

Embedded default (SQLite in a temp dir, in-process Redis); requests go through the whole
app (middleware, session cookie check, role lookup, template) in process with Starlette's
TestClient, so the time is the server's, without a network. Each page REPEAT times; p50/p95.

    .venv/bin/python -m benchmarks.console

Prints one JSON line.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from bot.app import create_app
from bot.console_web.signing import make_link_token
from integrations.db.migrate import upgrade
from integrations.db.models import Role, WorkflowRun, WorkflowStep
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import create_tenant, set_role
from integrations.observability.logging import configure_logging
from integrations.settings import Settings

RUNS = 1000
REPEAT = 200
TENANT = "bench"
STEPS = (("plan", "agent", "devops"), ("approval", "approval", None), ("deploy", "deploy", None))


def _seed(settings: Settings) -> str:
    """Seeds the runs; returns the public id of the run 500 from the newest (a later page's
    cursor)."""
    start = datetime.now(UTC) - timedelta(days=10)
    public_ids: list[str] = []
    with admin_session(settings.database_url) as session:
        create_tenant(session, TENANT, TENANT, "self_hosted")
    with tenant_session(settings.database_url, TENANT) as session:
        set_role(session, TENANT, "admin", Role.admin)
        for i in range(RUNS):
            at = start + timedelta(minutes=i)
            status = "waiting_approval" if i % 20 == 0 else "succeeded"
            run = WorkflowRun(
                tenant_id=TENANT,
                workflow="production_deploy",
                status=status,
                conversation_key=f"{TENANT}:web:admin",
                user_id=f"user{i % 7}",
                inputs={"service": f"svc-{i}", "environment": "production"},
                created_at=at,
            )
            session.add(run)
            session.flush()
            public_ids.append(run.public_id)
            for pos, (name, kind, agent) in enumerate((*STEPS, ("notify", "notify", None))):
                session.add(
                    WorkflowStep(
                        tenant_id=TENANT,
                        run_id=run.id,
                        name=name,
                        position=pos,
                        kind=kind,
                        agent=agent,
                        status="succeeded",
                        output="x" * 400,
                        started_at=at,
                        finished_at=at + timedelta(seconds=2),
                    )
                )
        return public_ids[-500]


def _time(client: TestClient, path: str) -> dict[str, float]:
    samples = []
    for _ in range(REPEAT):
        began = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200, response.text
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
    }


def main() -> None:
    configure_logging("WARNING", json=False)  # one JSON line out, not 600 access lines
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_url=f"sqlite:///{Path(tmp) / 'bmad.db'}",
            redis_url=None,
            queue="eager",
            data_dir=str(Path(tmp) / "data"),
            _env_file=None,
        )
        upgrade(settings.database_url)
        cursor = _seed(settings)
        client = TestClient(create_app(settings))
        token = make_link_token(settings, TENANT, "admin")
        assert client.get(f"/console/signin?token={token}").status_code == 200
        result = {
            "benchmark": "console_runs_list",
            "runs": RUNS,
            "repeat": REPEAT,
            "first_page": _time(client, "/console/runs"),
            "page_by_cursor": _time(client, f"/console/runs?cursor={cursor}"),
            "waiting_filter": _time(client, "/console/runs?status=waiting_approval"),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
