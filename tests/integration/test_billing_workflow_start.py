"""The quota gate on the real start path (WorkflowService.start) with PostgreSQL and Redis."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from agents.workflows.errors import NotAllowed, WorkflowError
from agents.workflows.gate import QuotaExceeded
from agents.workflows.service import WorkflowService
from integrations.billing.plans import get_plan
from integrations.db.models import Role, UsageEntry, WorkflowRun
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from tests.conftest import make_tenant
from tests.integration.billing_support import use_up_runs

pytestmark = pytest.mark.integration


def _start(service: WorkflowService, tenant_id: str, user: str = "U1", **overrides):  # type: ignore[no-untyped-def]
    params = {
        "tenant_id": tenant_id,
        "workflow": "deploy",
        "inputs": {"service": "checkout", "environment": "staging"},
        "conversation_key": f"{tenant_id}:api:quota",
        "user_id": user,
        "lang": "en",
        **overrides,
    }
    return service.start(**params)


def _settle(service: WorkflowService, settings, tenant_id: str) -> None:  # type: ignore[no-untyped-def]
    """Let the started runs' background steps finish before the test database goes away."""
    with tenant_session(settings.database_url, tenant_id) as session:
        ids = list(session.scalars(select(WorkflowRun.id)))
    service.wait_settled(tenant_id, ids, timeout=60)


def _count(settings, tenant_id: str, model) -> int:  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, tenant_id) as session:
        query = select(func.count()).select_from(model)
        if model is UsageEntry:
            query = query.where(UsageEntry.metric == "runs")
        return int(session.scalar(query) or 0)


def test_parallel_starts_at_the_quota_edge_start_exactly_what_is_left(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    limit = get_plan("free").runs or 0
    use_up_runs(service_settings, tenant_id, limit - 3)
    service = WorkflowService(service_settings)

    def attempt(i: int) -> str:
        try:
            _start(service, tenant_id, conversation_key=f"{tenant_id}:api:race{i}")
        except QuotaExceeded:
            return "refused"
        return "started"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(attempt, range(20)))

    _settle(service, service_settings, tenant_id)
    assert outcomes.count("started") == 3
    assert _count(service_settings, tenant_id, WorkflowRun) == 3
    assert _count(service_settings, tenant_id, UsageEntry) == limit


def test_refused_start_says_why_with_the_upgrade_link_and_starts_nothing(
    service_settings, tenant_id
):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    use_up_runs(service_settings, tenant_id, get_plan("free").runs or 0)
    with pytest.raises(QuotaExceeded) as refused:
        _start(WorkflowService(service_settings), tenant_id, lang="nl")
    assert isinstance(refused.value, WorkflowError)
    assert refused.value.code == "quota_exceeded"
    assert "/billing/upgrade" in refused.value.message
    assert "Upgrade om verder te gaan" in refused.value.message
    assert "Upgrade to keep going" in refused.value.message_in("en")
    assert _count(service_settings, tenant_id, WorkflowRun) == 0


def test_a_start_that_fails_after_the_check_gives_the_run_back(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    service = WorkflowService(service_settings)
    _start(service, tenant_id)
    with pytest.raises(WorkflowError):  # unknown workflow: refused before anything is reserved
        _start(service, tenant_id, workflow="no_such_workflow")
    _settle(service, service_settings, tenant_id)
    assert _count(service_settings, tenant_id, UsageEntry) == 1
    from integrations.billing.usage import usage_summary

    assert usage_summary(service_settings, tenant_id).runs.used == 1


def test_roles_are_checked_before_quota_is_spent(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "team")
    with tenant_session(service_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UVIEW", role=Role.viewer)
        ensure_user(session, tenant_id, "UMEM", role=Role.member)
        ensure_user(session, tenant_id, "UADM", role=Role.admin)
    service = WorkflowService(service_settings)
    with pytest.raises(NotAllowed) as viewer:
        _start(service, tenant_id, user="UVIEW")
    assert viewer.value.required_role == "member"
    prod = {"service": "checkout", "environment": "production"}
    with pytest.raises(NotAllowed) as member:
        _start(service, tenant_id, user="UMEM", inputs=prod)
    assert member.value.required_role == "admin"
    assert "admin" in member.value.message
    _start(service, tenant_id, user="UADM", inputs=prod)
    _start(service, tenant_id, user="UMEM")  # members run agents
    _settle(service, service_settings, tenant_id)
    assert _count(service_settings, tenant_id, UsageEntry) == 2
