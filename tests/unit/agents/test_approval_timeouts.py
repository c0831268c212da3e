"""Approval timeouts: escalate once after the timeout, expire the run after the second."""

from datetime import UTC, datetime, timedelta

from freezegun import freeze_time
from sqlalchemy import select

from agents.notify import read_notices
from agents.workflows.service import WorkflowService
from agents.workflows.sweeper import expire_approvals
from integrations.db.models import OutboxEvent
from integrations.db.session import tenant_session
from integrations.settings import Settings


def test_timeout_escalates_once_then_expires(embedded_settings: Settings, tenant: str) -> None:
    # no embedded beat thread: this test decides when the timeout job runs
    embedded_settings = embedded_settings.model_copy(update={"embedded_beat_seconds": 0})
    service = WorkflowService(embedded_settings)
    ck = f"{tenant}:console:ops"
    run = service.start(
        tenant_id=tenant,
        workflow="production_deploy",
        inputs={"service": "billing", "environment": "production"},
        conversation_key=ck,
        user_id="bob-member",
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    started = datetime.now(UTC)

    with freeze_time(started + timedelta(hours=23, minutes=59)):
        assert expire_approvals(embedded_settings) == {"escalated": 0, "expired": 0}
    with freeze_time(started + timedelta(hours=24, minutes=1)):
        assert expire_approvals(embedded_settings) == {"escalated": 1, "expired": 0}
        assert expire_approvals(embedded_settings) == {"escalated": 0, "expired": 0}
    assert service.get(tenant, run.id).status == "waiting_approval"
    with freeze_time(started + timedelta(hours=47)):
        assert expire_approvals(embedded_settings) == {"escalated": 0, "expired": 0}
    with freeze_time(started + timedelta(hours=48, minutes=2)):
        assert expire_approvals(embedded_settings) == {"escalated": 0, "expired": 1}

    run = service.get(tenant, run.id)
    assert run.status == "failed" and run.error == "approval expired"
    assert {s.name: s.status for s in run.steps} == {
        "plan": "succeeded",
        "approval": "expired",
        "deploy": "skipped",
        "notify": "skipped",
    }
    notices = [n for _, n in read_notices(embedded_settings, tenant, ck)]
    approvals = [n for n in notices if n.kind == "approval_request"]
    assert [n.escalated for n in approvals] == [False, True]  # a typed field, not extra text
    assert approvals[1].escalate_to == "owner" and "escalated" not in approvals[1].extra
    assert notices[-1].kind == "run_finished" and notices[-1].extra["status"] == "failed"
    # The request (and its reminder) are closed in their channel: buttons gone, "expired".
    closed = [n for n in notices if n.kind == "approval_decided"]
    assert [n.extra["outcome"] for n in closed] == ["expired"]
    with tenant_session(embedded_settings.database_url, tenant) as session:
        types = [e.event_type for e in session.scalars(select(OutboxEvent))]
    assert types.count("approval.escalated") == 1 and types.count("run.failed") == 1
