"""The workflow engine on the real PostgreSQL and Redis (embedded thread pool for steps).

What SQLite cannot show: row locks under real concurrency. Many runs at once, and two
people approving the same run at the same moment, must still complete each run once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from agents.notify import read_notices
from agents.workflows.errors import InvalidTransition
from agents.workflows.service import RunView, WorkflowService
from integrations.db.models import OutboxEvent, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


@pytest.fixture
def tenant(service_settings: Settings, tenant_id: str) -> str:
    make_tenant(service_settings.database_url, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "admin-1", Role.admin)
        set_role(session, tenant_id, "admin-2", Role.admin)
    return tenant_id


def _outbox_count(settings: Settings, tenant: str, event_type: str) -> int:
    with tenant_session(settings.database_url, tenant) as session:
        return session.scalar(
            select(func.count())
            .select_from(OutboxEvent)
            .where(OutboxEvent.event_type == event_type)
        )


def _start(service: WorkflowService, tenant: str, ck: str, feature: str) -> RunView:
    return service.start(
        tenant_id=tenant,
        workflow="feature_delivery",
        inputs={"feature": feature},
        conversation_key=f"{tenant}:api:{ck}",
        user_id="dev",
    )


def test_feature_delivery_on_postgres_and_redis(service_settings: Settings, tenant: str) -> None:
    service = WorkflowService(service_settings)
    run = _start(service, tenant, "c1", "audit log export")
    service.wait_settled(tenant, [run.id], timeout=60)
    assert service.get(tenant, run.id).status == "waiting_approval"
    service.approve(tenant, run.id, "admin-1")
    service.wait_settled(tenant, [run.id], timeout=60)
    run = service.get(tenant, run.id)
    assert run.status == "succeeded" and all(s.status == "succeeded" for s in run.steps)
    notices = [n for _, n in read_notices(service_settings, tenant, f"{tenant}:api:c1")]
    assert sorted(n.step for n in notices if n.kind == "step_result") == sorted(
        ["story", "design", "test_plan", "review", "summary"]
    )
    assert "audit log export" in notices[0].text


def test_many_runs_at_once_each_complete_once(service_settings: Settings, tenant: str) -> None:
    service = WorkflowService(service_settings)
    with ThreadPoolExecutor(max_workers=6) as pool:
        runs = list(
            pool.map(
                lambda i: service.start(
                    tenant_id=tenant,
                    workflow="deploy",
                    inputs={"service": f"svc{i}", "environment": "staging"},
                    conversation_key=f"{tenant}:api:many{i}",
                    user_id="dev",
                ),
                range(12),
            )
        )
    service.wait_settled(tenant, [r.id for r in runs], timeout=120)
    for i, run in enumerate(runs):
        view = service.get(tenant, run.id)
        assert view.status == "succeeded", view
        notices = [n for _, n in read_notices(service_settings, tenant, f"{tenant}:api:many{i}")]
        assert [n.step for n in notices if n.kind != "run_finished"] == ["plan", "deploy", "notify"]
        assert f"svc{i}" in notices[0].text
    assert _outbox_count(service_settings, tenant, "run.succeeded") == 12


def test_two_simultaneous_approvals_decide_once(service_settings: Settings, tenant: str) -> None:
    service = WorkflowService(service_settings)
    run = _start(service, tenant, "race", "sso login")
    service.wait_settled(tenant, [run.id], timeout=60)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(user: str) -> None:
        barrier.wait()
        try:
            service.approve(tenant, run.id, user)
            outcomes.append("approved")
        except InvalidTransition:
            outcomes.append("refused")

    threads = [threading.Thread(target=approve, args=(u,)) for u in ("admin-1", "admin-2")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["approved", "refused"]
    service.wait_settled(tenant, [run.id], timeout=60)
    assert service.get(tenant, run.id).status == "succeeded"
    assert _outbox_count(service_settings, tenant, "run.approved") == 1
    assert _outbox_count(service_settings, tenant, "run.succeeded") == 1
