"""Issue 11 on the real PostgreSQL and Redis: the production-safety and pending-item
dialogues, and four eyes through the REST API, the Slack button path and the CLI code
path (all of them end in the workflow service's approve)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from bot.api.keys import create_api_key
from bot.app import create_app
from bot.slack.workflow_calls import decide
from conversations.dialogue_suite import DialogueRunner
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration

SUITE = Path(__file__).resolve().parents[1] / "dialogues"


@pytest.mark.parametrize("name", ["production_safety.yaml", "pending_lifecycle.yaml"])
def test_safety_dialogues_on_real_services(service_settings: Settings, name: str) -> None:
    report = DialogueRunner(service_settings).run_paths([SUITE / name])
    failed = [d.model_dump() for d in report.dialogues if not d.passed]
    assert report.dialogues and not failed, failed


def _production_run(settings: Settings, tenant: str, user: str) -> int:
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant,
        workflow="production_deploy",
        inputs={"service": "checkout", "environment": "productie"},
        conversation_key=f"{tenant}:api:c",
        user_id=user,
    )
    service.wait_settled(tenant, [run.id], timeout=60)
    return run.public_id


def test_four_eyes_via_api_and_slack_button(service_settings: Settings, tenant_id: str) -> None:
    make_tenant(service_settings.database_url, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "U_REQ", Role.admin)
        set_role(session, tenant_id, "U_OTHER", Role.admin)
        _row, plain = create_api_key(session, tenant_id, name="t", user_id="U_REQ")
    run_id = _production_run(service_settings, tenant_id, "U_REQ")
    client = TestClient(create_app(service_settings))
    refused = client.post(
        f"/api/v1/runs/{run_id}/approve", headers={"Authorization": f"Bearer {plain}"}
    )
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "self_approval"
    assert "U_OTHER" in refused.text
    service = WorkflowService(service_settings)
    number = service.resolve(tenant_id, run_id)  # Slack buttons carry the tenant's number
    click = decide(service_settings, tenant_id, number, "U_REQ", "approve", "nl")
    assert not click.ok and "vier ogen" in click.message
    assert service.get(tenant_id, number).waiting_approval
    ok = decide(service_settings, tenant_id, number, "U_OTHER", "approve", "en")
    assert ok.ok


def test_yes_yes_over_the_rest_api_does_not_approve(
    service_settings: Settings, tenant_id: str
) -> None:
    make_tenant(service_settings.database_url, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "U1", Role.owner)
        _row, plain = create_api_key(session, tenant_id, name="t", user_id="U1")
    client = TestClient(create_app(service_settings))
    headers = {"Authorization": f"Bearer {plain}"}

    def say(text: str) -> dict[str, object]:
        body = {"conversation_id": "yes-yes", "user": "U1", "text": text}
        response = client.post("/api/v1/messages", json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    assert say("deploy orders-api to production")["kind"] == "confirm"
    started = say("yes")
    assert started["kind"] == "started"
    (public_id,) = started["run_ids"]  # type: ignore[misc]
    service = WorkflowService(service_settings)
    run_id = service.resolve(tenant_id, public_id)
    service.wait_settled(tenant_id, [run_id], timeout=60)
    second = say("yes")
    assert second["kind"] == "answer" and second["intent"] is None
    assert "no open question" in str(second["text"])
    assert WorkflowService(service_settings).get(tenant_id, run_id).waiting_approval
