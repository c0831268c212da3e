"""REST API /api/v1 against the real PostgreSQL and Redis: turns, runs, roles, isolation."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def _key(settings: Settings, tenant: str, user: str = "U1") -> dict[str, str]:
    with tenant_session(settings.database_url, tenant) as session:
        _row, plain = create_api_key(session, tenant, name="test", user_id=user)
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def client(service_settings: Settings) -> TestClient:
    return TestClient(create_app(service_settings))


@pytest.fixture
def two_tenants(service_settings: Settings, tenant_id: str) -> tuple[str, str]:
    url = service_settings.database_url
    return make_tenant(url, tenant_id + "a"), make_tenant(url, tenant_id + "b")


def _start(settings: Settings, tenant: str, workflow: str = "release", user: str = "U1") -> int:
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant,
        workflow=workflow,
        inputs={"version": "2.0"},
        conversation_key=f"{tenant}:api:c",
        user_id=user,
    )
    service.wait_settled(tenant, [run.id], timeout=60)
    return run.public_id  # what the API addresses runs by


def test_message_turn_with_and_without_key(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, _ = two_tenants
    body = {"conversation_id": "c-1", "user": "U1", "text": "what can you do"}
    assert client.post("/api/v1/messages", json=body).status_code == 401
    r = client.post("/api/v1/messages", json=body, headers=_key(service_settings, a))
    assert r.status_code == 200, r.text
    reply = r.json()
    assert reply["kind"] == "answer" and reply["intent"] == "help"
    assert reply["conversation_key"] == f"{a}:api:c-1"
    assert reply["text"]


def test_message_that_starts_a_run_returns_its_id(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, b = two_tenants
    key_a = _key(service_settings, a)
    body = {"conversation_id": "c-2", "user": "U1", "text": "write a user story for coupon codes"}
    r = client.post("/api/v1/messages", json=body, headers=key_a)
    assert r.status_code == 200 and r.json()["kind"] == "started", r.text
    (run_id,) = r.json()["run_ids"]
    service = WorkflowService(service_settings)
    service.wait_settled(a, [service.resolve(a, run_id)], timeout=60)
    run = client.get(f"/api/v1/runs/{run_id}", headers=key_a).json()
    assert run["status"] == "succeeded"
    assert run["steps"][0]["agent"] == "product_owner" and run["steps"][0]["output"]
    listed = client.get("/api/v1/runs", params={"conversation_id": "c-2"}, headers=key_a).json()
    assert [x["id"] for x in listed["runs"]] == [run_id]
    # tenant b never sees it
    key_b = _key(service_settings, b)
    assert client.get(f"/api/v1/runs/{run_id}", headers=key_b).status_code == 404
    assert client.get("/api/v1/runs", headers=key_b).json() == {"runs": [], "next_cursor": None}


def test_isolation_on_every_run_route(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, b = two_tenants
    run_id = _start(service_settings, a)
    admin_b = _key(service_settings, b, user="UADMINB")
    with tenant_session(service_settings.database_url, b) as session:
        set_role(session, b, "UADMINB", Role.owner)
    for method, path in [
        ("GET", f"/api/v1/runs/{run_id}"),
        ("POST", f"/api/v1/runs/{run_id}/approve"),
        ("POST", f"/api/v1/runs/{run_id}/reject"),
        ("POST", f"/api/v1/runs/{run_id}/cancel"),
    ]:
        r = client.request(method, path, headers=admin_b)
        assert r.status_code == 404, (method, path, r.text)
        assert r.json()["error"]["code"] == "run_not_found"
    assert client.get("/api/v1/runs", headers=admin_b).json() == {"runs": [], "next_cursor": None}
    assert client.get("/api/v1/usage", headers=admin_b).json()["tenant"] == b
    # and the run is untouched
    service = WorkflowService(service_settings)
    assert service.get(a, service.resolve(a, run_id)).status == "waiting_approval"


def test_approval_is_role_checked(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, _ = two_tenants
    run_id = _start(service_settings, a)
    plain = _key(service_settings, a, user="UNOROLE")  # a user without a role
    r = client.post(f"/api/v1/runs/{run_id}/approve", headers=plain)
    assert r.status_code == 403
    assert r.json()["error"]["required_role"] == "admin"
    admin = _key(service_settings, a, user="UADMIN")
    with tenant_session(service_settings.database_url, a) as session:
        set_role(session, a, "UADMIN", Role.admin)
    r = client.post(f"/api/v1/runs/{run_id}/approve", headers=admin)
    assert r.status_code == 200, r.text
    service = WorkflowService(service_settings)
    service.wait_settled(a, [service.resolve(a, run_id)], timeout=60)
    assert client.get(f"/api/v1/runs/{run_id}", headers=admin).json()["status"] == "succeeded"
    again = client.post(f"/api/v1/runs/{run_id}/approve", headers=admin)
    assert again.status_code == 409


def test_reject_and_cancel(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, _ = two_tenants
    admin = _key(service_settings, a, user="UADMIN2")
    with tenant_session(service_settings.database_url, a) as session:
        set_role(session, a, "UADMIN2", Role.admin)
    rejected = _start(service_settings, a)
    r = client.post(f"/api/v1/runs/{rejected}/reject", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    cancelled = _start(service_settings, a)
    assert (
        client.post(
            f"/api/v1/runs/{cancelled}/cancel", headers=_key(service_settings, a, user="UOTHER")
        ).status_code
        == 403
    )
    r = client.post(f"/api/v1/runs/{cancelled}/cancel", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert client.post(f"/api/v1/runs/{cancelled}/cancel", headers=admin).status_code == 409
    waiting = client.get("/api/v1/runs", params={"status": "cancelled"}, headers=admin).json()
    assert {x["id"] for x in waiting["runs"]} == {rejected, cancelled}


def test_a_rejection_keeps_its_reason(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, _ = two_tenants
    admin = _key(service_settings, a, user="UADMIN3")
    with tenant_session(service_settings.database_url, a) as session:
        set_role(session, a, "UADMIN3", Role.admin)
    run_id = _start(service_settings, a)
    too_long = client.post(
        f"/api/v1/runs/{run_id}/reject", json={"reason": "x" * 301}, headers=admin
    )
    unknown = client.post(f"/api/v1/runs/{run_id}/reject", json={"why": "no"}, headers=admin)
    assert (too_long.status_code, unknown.status_code) == (422, 422)
    assert "error" in too_long.json() and "error" in unknown.json()
    assert client.get(f"/api/v1/runs/{run_id}", headers=admin).json()["status"] == (
        "waiting_approval"
    )  # a refused body decided nothing
    r = client.post(
        f"/api/v1/runs/{run_id}/reject",
        json={"reason": "  not during\nthe freeze "},
        headers=admin,
    )
    assert r.status_code == 200, r.text
    approval = next(s for s in r.json()["steps"] if s["kind"] == "approval")
    assert approval["decided_by"] == "UADMIN3"
    assert approval["decision_note"] == "not during the freeze"
    assert "not during the freeze" in approval["output"]
    service = WorkflowService(service_settings)
    events = service.events(a, service.resolve(a, run_id))
    decided = [e["details"] for e in events if e["type"] == "approval.decided"]
    assert decided and decided[0]["reason"] == "not during the freeze"  # type: ignore[index]


def test_catalog_routes(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, _ = two_tenants
    key = _key(service_settings, a)
    agents = client.get("/api/v1/agents", headers=key).json()["agents"]
    assert {"product_owner", "developer", "devops"} <= {x["key"] for x in agents}
    nl = client.get("/api/v1/agents", params={"lang": "nl"}, headers=key).json()["agents"]
    assert nl[0]["description"] != agents[0]["description"]
    flows = {w["name"]: w for w in client.get("/api/v1/workflows", headers=key).json()["workflows"]}
    assert {"incident_response", "single_task", "release"} <= set(flows)
    assert [s["kind"] for s in flows["release"]["steps"]] == ["agent", "approval", "notify"]


def test_notices_of_an_api_conversation(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, b = two_tenants
    key_a = _key(service_settings, a)
    body = {"conversation_id": "n-1", "user": "U1", "text": "write a user story for gift cards"}
    (run_id,) = client.post("/api/v1/messages", json=body, headers=key_a).json()["run_ids"]
    service = WorkflowService(service_settings)
    service.wait_settled(a, [service.resolve(a, run_id)], timeout=60)
    url = "/api/v1/conversations/n-1/notices"
    first = client.get(url, headers=key_a).json()
    assert first["notices"], first
    assert {n["run_id"] for n in first["notices"]} == {run_id}
    assert "step_result" in {n["kind"] for n in first["notices"]}
    later = client.get(url, params={"after": first["last_id"]}, headers=key_a).json()
    assert later == {"notices": [], "last_id": first["last_id"]}
    # same conversation id under another tenant's key: a different conversation
    other = client.get(url, headers=_key(service_settings, b)).json()
    assert other["notices"] == []
    assert client.get(url, params={"after": "x"}, headers=key_a).status_code == 422


def test_a_key_cannot_borrow_a_slack_users_role(
    client: TestClient, service_settings: Settings, two_tenants: tuple[str, str]
) -> None:
    a, _ = two_tenants
    service = WorkflowService(service_settings)
    run_id = service.resolve(a, _start(service_settings, a))  # chat says "run 12"
    with tenant_session(service_settings.database_url, a) as session:
        set_role(session, a, "UBOSS", Role.owner)
    unbound = _key(service_settings, a, user="")
    said = {"conversation_id": "c-3", "user": "UBOSS", "text": f"approve run {run_id}"}
    r = client.post("/api/v1/messages", json=said, headers=unbound)
    assert r.status_code == 403 and r.json()["error"]["code"] == "read_only_key"
    assert WorkflowService(service_settings).get(a, run_id).status == "waiting_approval"
    bound = _key(service_settings, a, user="UBOSS")
    other = {**said, "user": "USOMEONE"}
    r = client.post("/api/v1/messages", json=other, headers=bound)
    assert r.status_code == 403 and r.json()["error"]["code"] == "user_mismatch"
    r = client.post("/api/v1/messages", json=said, headers=bound)
    assert r.status_code == 200 and r.json()["intent"] == "approve_run", r.text
    WorkflowService(service_settings).wait_settled(a, [run_id], timeout=60)
    assert WorkflowService(service_settings).get(a, run_id).status == "succeeded"
