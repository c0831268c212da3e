"""NUL and other control characters: stripped at the edge; a run that still meets bad data
settles once instead of staying `running` forever (real PostgreSQL and Redis)."""

from __future__ import annotations

import json
import time

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from agents.workflows.service import WorkflowService
from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.models import WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign
from tests.conftest import make_tenant
from tests.unit.webhooks.conftest import GENERIC_SECRET, setup_tenant

pytestmark = pytest.mark.integration

DIRTY = "write a user story for coupon\x00 codes\x1b[31m with\x07 bells\u0085"


def _no_controls(value: object) -> bool:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return not any((ord(c) < 32 and c not in "\n\t\r") or 0x7F <= ord(c) <= 0x9F for c in text)


def test_api_message_with_nul_starts_a_clean_run(
    service_settings: Settings, tenant_id: str
) -> None:
    make_tenant(service_settings.database_url, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        _, key = create_api_key(session, tenant_id, name="u1", user_id="U1")
    client = TestClient(create_app(service_settings), raise_server_exceptions=False)
    body = {"conversation_id": "nul-1", "user": "U1", "text": DIRTY}
    r = client.post("/api/v1/messages", json=body, headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200, r.text
    assert r.json()["kind"] == "started", r.json()
    (public_id,) = r.json()["run_ids"]
    service = WorkflowService(service_settings)
    run_id = service.resolve(tenant_id, public_id)
    service.wait_settled(tenant_id, [run_id], timeout=60)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        run = session.get(WorkflowRun, run_id)
        assert run is not None and run.status == "succeeded"
        assert _no_controls(run.inputs)
        steps = list(session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run_id)))
        assert all(_no_controls(s.output) for s in steps)


def test_generic_webhook_with_nul_is_handled(service_settings: Settings, tenant_id: str) -> None:
    setup_tenant(service_settings, tenant_id)
    client = TestClient(create_app(service_settings), raise_server_exceptions=False)
    payload = json.dumps({"text": DIRTY, "conversation_id": "nul-2"}).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-BMAD-Timestamp": str(ts),
        "X-BMAD-Signature": sign(GENERIC_SECRET, ts, payload),
    }
    r = client.post(f"/webhooks/generic/{tenant_id}", content=payload, headers=headers)
    assert r.status_code == 200, r.text
    service = WorkflowService(service_settings)
    run_ids = [service.resolve(tenant_id, public_id) for public_id in r.json()["run_ids"]]
    assert run_ids
    service.wait_settled(tenant_id, run_ids, timeout=60)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        run = session.get(WorkflowRun, run_ids[0])
        assert run is not None and run.status == "succeeded" and _no_controls(run.inputs)


def test_run_started_with_nul_in_inputs_settles_once(
    service_settings: Settings, tenant_id: str
) -> None:
    """Inputs that did not pass an edge (e.g. an internal caller): the run still settles."""
    make_tenant(service_settings.database_url, tenant_id)
    service = WorkflowService(service_settings)
    run = service.start(
        tenant_id=tenant_id,
        workflow="release",
        inputs={"version": "2.0\x00-rc"},
        conversation_key=f"{tenant_id}:api:nul-3",
        user_id="U1",
    )
    service.wait_settled(tenant_id, [run.id], timeout=60)
    settled = service.get(tenant_id, run.id)
    # The one start path cleans every input, so nothing is stuck and nothing fails on it:
    # the release goes on to its approval like any other.
    assert settled.inputs["version"] == "2.0-rc"
    assert settled.status in ("succeeded", "waiting_approval"), settled
    with tenant_session(service_settings.database_url, tenant_id) as session:
        steps = list(session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run.id)))
    assert not [s for s in steps if s.status == "failed"]
