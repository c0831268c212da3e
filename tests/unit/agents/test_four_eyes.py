"""Four eyes on production (issue 11, point 3): the requester of a production run cannot
approve it, whichever channel calls the workflow service's approve path; a tenant setting
allows it for one-person teams."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from agents.workflows.service import NotAllowed, WorkflowService
from bot.cli.main import app
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import get_tenant, set_self_approval
from integrations.settings import Settings, get_settings


def _production_run(service: WorkflowService, tenant: str, user: str, env: str = "prd") -> int:
    run = service.start(
        tenant_id=tenant,
        workflow="production_deploy",
        inputs={"service": "checkout", "environment": env},
        conversation_key=f"{tenant}:console:4eyes",
        user_id=user,
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    assert service.get(tenant, run.id).status == "waiting_approval"
    return run.id


def test_requester_cannot_approve_own_production_run(service: WorkflowService, tenant: str) -> None:
    run_id = _production_run(service, tenant, "alice-admin")
    with pytest.raises(NotAllowed) as err:
        service.approve(tenant, run_id, "alice-admin")
    assert err.value.code == "self_approval"
    assert "olga-owner" in err.value.message  # says who can
    assert "alice-admin" not in err.value.message
    assert "olga-owner" in err.value.message_in("nl") and "vier ogen" in err.value.message_in("nl")
    assert service.get(tenant, run_id).status == "waiting_approval"
    # Another admin/owner can; rejecting your own request stays possible.
    run = service.approve(tenant, run_id, "olga-owner")
    assert run.waiting_approval is None


def test_requester_may_reject_own_production_run(service: WorkflowService, tenant: str) -> None:
    run_id = _production_run(service, tenant, "olga-owner", env="production")
    assert service.reject(tenant, run_id, "olga-owner").status == "cancelled"


def test_non_production_approvals_are_unchanged(service: WorkflowService, tenant: str) -> None:
    run = service.start(
        tenant_id=tenant,
        workflow="release",
        inputs={},
        conversation_key=f"{tenant}:console:4eyes",
        user_id="olga-owner",
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    assert service.approve(tenant, run.id, "olga-owner").waiting_approval is None


def test_self_approval_setting_allows_it(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    with admin_session(embedded_settings.database_url) as session:
        set_self_approval(session, tenant, True)
    run_id = _production_run(service, tenant, "olga-owner")
    assert service.approve(tenant, run_id, "olga-owner").waiting_approval is None


@pytest.fixture
def cli_db(
    embedded_settings: Settings, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    monkeypatch.setenv("BMAD_DATABASE_URL", embedded_settings.database_url)
    monkeypatch.setenv("BMAD_DATA_DIR", str(Path(embedded_settings.data_dir)))
    monkeypatch.setenv("BMAD_LOG_JSON", "false")
    get_settings.cache_clear()
    yield embedded_settings.database_url
    get_settings.cache_clear()
    structlog.reset_defaults()


def test_cli_tenants_set_self_approval(cli_db: str, tenant: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["tenants", "set", tenant, "--self-approval"])
    assert result.exit_code == 0, result.output
    assert "self-approval on" in result.output
    with admin_session(cli_db) as session:
        assert get_tenant(session, tenant).self_approval is True
    result = runner.invoke(app, ["tenants", "set", tenant, "--no-self-approval"])
    assert result.exit_code == 0 and "self-approval off" in result.output
    with admin_session(cli_db) as session:
        assert get_tenant(session, tenant).self_approval is False
    assert runner.invoke(app, ["tenants", "set", tenant]).exit_code == 2
    assert (
        runner.invoke(app, ["tenants", "set", "no-such-tenant", "--self-approval"]).exit_code == 2
    )
    with tenant_session(cli_db, tenant) as session:
        from sqlalchemy import select

        from integrations.db.models import AuditEntry

        actions = [a.action for a in session.scalars(select(AuditEntry))]
    assert actions.count("tenant.settings") == 2


def test_alone_the_refusal_says_how_to_get_a_second_pair_of_eyes(
    embedded_settings: Settings, service: WorkflowService, tenant_id: str
) -> None:
    from integrations.db.models import Role
    from integrations.db.tenants import set_role
    from tests.conftest import make_tenant

    make_tenant(embedded_settings.database_url, tenant_id)
    with tenant_session(embedded_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "solo", Role.owner)
    run_id = _production_run(service, tenant_id, "solo")
    with pytest.raises(NotAllowed) as err:
        service.approve(tenant_id, run_id, "solo")
    assert err.value.code == "self_approval_alone"
    assert "--self-approval" in err.value.message and "set-role" in err.value.message


def test_cli_runs_approve_by_the_requester_is_refused(
    cli_db: str, service: WorkflowService, tenant: str
) -> None:
    run_id = _production_run(service, tenant, "alice-admin")
    runner = CliRunner()
    args = ["runs", "approve", str(run_id), "--tenant", tenant]
    refused = runner.invoke(app, [*args, "--user", "alice-admin"])
    assert refused.exit_code == 1
    assert "four eyes" in refused.output and "olga-owner" in refused.output
    approved = runner.invoke(app, [*args, "--user", "olga-owner"])
    assert approved.exit_code == 0, approved.output
