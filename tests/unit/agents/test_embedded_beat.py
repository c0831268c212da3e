"""Embedded mode has no `bmad beat`: its in-process beat still escalates and expires."""

from agents.notify import read_notices
from agents.workflows.service import WorkflowService
from integrations.settings import Settings
from tests.polling import wait_until
from tests.unit.agents.conftest import place_template

QUICK_APPROVAL = """
name: test_quick_approval
steps:
  - {name: ask, kind: approval, role: admin, approval_timeout_seconds: 0.6}
  - {name: after, kind: notify, message: run_summary, needs: [ask]}
"""


def test_embedded_beat_escalates_then_expires(embedded_settings: Settings, tenant: str) -> None:
    settings = embedded_settings.model_copy(update={"embedded_beat_seconds": 0.2})
    place_template(settings, tenant, "test_quick_approval", QUICK_APPROVAL)
    service = WorkflowService(settings)
    ck = f"{tenant}:console:beat"
    run = service.start(
        tenant_id=tenant,
        workflow="test_quick_approval",
        inputs={},
        conversation_key=ck,
        user_id="bob-member",
    )
    wait_until(
        lambda: service.get(tenant, run.id).status == "failed", 20, "the run to fail", interval=0.1
    )
    view = service.get(tenant, run.id)
    assert view.error == "approval expired"
    assert [s.status for s in view.steps] == ["expired", "skipped"]
    service.wait_settled(tenant, [run.id], timeout=10)
    kinds = [(n.kind, n.escalated) for _, n in read_notices(settings, tenant, ck)]
    assert kinds[:2] == [("approval_request", False), ("approval_request", True)]
    assert kinds[-1][0] == "run_finished"
