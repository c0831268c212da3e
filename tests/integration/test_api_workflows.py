"""Workflows as an API (issue 17): templates in PostgreSQL shared by replicas, POST /runs
(201/402/429), the runs cursor, and a bad template never breaking the list."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.models import AuditEntry, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.integration.billing_support import use_up_runs
from tests.unit.agents.conftest import place_broken_template

pytestmark = pytest.mark.integration

TEMPLATE = """
name: story_then_plan
description: A story, then its test plan.
inputs: [feature]
steps:
  - name: story
    kind: agent
    agent: product_owner
    task: write_user_story
  - name: plan
    kind: agent
    agent: test_engineer
    task: create_test_plan
    needs: [story]
"""
YAML = {"Content-Type": "application/yaml"}


def _headers(settings: Settings, tenant: str, user: str, role: Role | None) -> dict[str, str]:
    with tenant_session(settings.database_url, tenant) as session:
        if role is not None:
            set_role(session, tenant, user, role)
        _row, plain = create_api_key(session, tenant, name="t", user_id=user)
    return {"Authorization": f"Bearer {plain}"}


@pytest.fixture
def tenant(service_settings: Settings, tenant_id: str) -> str:
    return make_tenant(service_settings.database_url, tenant_id)


def test_a_template_posted_to_one_replica_runs_on_another(
    service_settings: Settings, tenant: str
) -> None:
    replica_a = TestClient(create_app(service_settings))
    replica_b = TestClient(create_app(service_settings.model_copy()))
    admin = _headers(service_settings, tenant, "U-admin", Role.admin)
    r = replica_a.post("/api/v1/workflows", content=TEMPLATE, headers={**admin, **YAML})
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1 and r.json()["origin"] == "tenant"

    listed = replica_b.get("/api/v1/workflows", headers=admin).json()["workflows"]
    mine = next(w for w in listed if w["name"] == "story_then_plan")
    assert mine["origin"] == "tenant" and [s["name"] for s in mine["steps"]] == ["story", "plan"]
    shown = replica_b.get("/api/v1/workflows/story_then_plan", headers=admin).json()
    assert shown["template"]["steps"][1]["needs"] == ["story"]

    body = {"workflow": "story_then_plan", "inputs": {"feature": "coupon codes"}}
    started = replica_b.post("/api/v1/runs", json=body, headers=admin)
    assert started.status_code == 201, started.text
    run_id = started.json()["id"]
    service = WorkflowService(service_settings)
    service.wait_settled(tenant, [service.resolve(tenant, run_id)], timeout=60)
    run = replica_a.get(f"/api/v1/runs/{run_id}", headers=admin).json()
    assert run["status"] == "succeeded" and run["workflow"] == "story_then_plan"
    assert "coupon codes" in run["steps"][0]["output"]

    # JSON works too and makes version 2; delete leaves the built-ins
    as_json = json.dumps({"name": "story_then_plan", "steps": [{"name": "s", "kind": "notify"}]})
    r = replica_b.post(
        "/api/v1/workflows", content=as_json, headers={**admin, "Content-Type": "application/json"}
    )
    assert r.status_code == 201 and r.json()["version"] == 2
    assert replica_a.delete("/api/v1/workflows/story_then_plan", headers=admin).status_code == 204
    assert replica_b.get("/api/v1/workflows/story_then_plan", headers=admin).status_code == 404
    assert replica_b.delete("/api/v1/workflows/story_then_plan", headers=admin).status_code == 404
    with tenant_session(service_settings.database_url, tenant) as session:
        actions = [a.action for a in session.query(AuditEntry).order_by(AuditEntry.id)]
    assert actions.count("workflow.saved") == 2 and actions.count("workflow.deleted") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("name: x\nsteps: []\n", "steps"),
        ("name: x\nsteps:\n  - {name: a, kind: agent, agent: po}\n", "steps.0"),
        ("name: x\nsteps:\n  - {name: a, kind: notify, need: [b]}\n", "steps.0.need"),
        ("name: Bad Name\nsteps:\n  - {name: a, kind: notify}\n", "name"),
        ("name: x\nsteps:\n  - {name: a, kind: agent, agent: po, task: nope}\n", "steps.0.task"),
        ("steps: [\n", "line 2"),
        ("- just a list\n", "body"),
    ],
)
def test_an_invalid_template_gets_422_naming_the_field(
    service_settings: Settings, tenant: str, body: str, field: str
) -> None:
    client = TestClient(create_app(service_settings))
    admin = _headers(service_settings, tenant, "U-admin", Role.admin)
    r = client.post("/api/v1/workflows", content=body, headers={**admin, **YAML})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_template" and error["field"] == field and error["problem"]
    names = [w["name"] for w in client.get("/api/v1/workflows", headers=admin).json()["workflows"]]
    assert "x" not in names  # nothing half-written


def test_only_admins_manage_templates_and_media_type_is_checked(
    service_settings: Settings, tenant: str
) -> None:
    client = TestClient(create_app(service_settings))
    member = _headers(service_settings, tenant, "U-member", Role.member)
    r = client.post("/api/v1/workflows", content=TEMPLATE, headers={**member, **YAML})
    assert r.status_code == 403 and r.json()["error"]["required_role"] == "admin"
    admin = _headers(service_settings, tenant, "U-admin", Role.admin)
    r = client.post(
        "/api/v1/workflows", content=TEMPLATE, headers={**admin, "Content-Type": "text/plain"}
    )
    assert r.status_code == 415


def test_a_broken_stored_template_never_breaks_listing(
    service_settings: Settings, tenant: str
) -> None:
    """Defect: one invalid tenant template made GET /api/v1/workflows answer 500."""
    place_broken_template(service_settings, tenant, "broken", {"name": "broken", "steps": []})
    client = TestClient(create_app(service_settings), raise_server_exceptions=False)
    admin = _headers(service_settings, tenant, "U-admin", Role.admin)
    r = client.get("/api/v1/workflows", headers=admin)
    assert r.status_code == 200, r.text
    listed = {w["name"]: w for w in r.json()["workflows"]}
    assert listed["broken"]["problem"] and listed["release"]["problem"] is None
    started = client.post("/api/v1/runs", json={"workflow": "broken"}, headers=admin)
    assert started.status_code == 409 and started.json()["error"]["code"] == "invalid_template"


def test_start_errors_are_4xx(service_settings: Settings, tenant: str) -> None:
    """Defect: a quota refusal came back as HTTP 200 kind "error"."""
    client = TestClient(create_app(service_settings))
    member = _headers(service_settings, tenant, "U-member", Role.member)
    r = client.post("/api/v1/runs", json={"workflow": "nope"}, headers=member)
    assert r.status_code == 404
    r = client.post("/api/v1/runs", json={"workflow": "single_task"}, headers=member)
    assert r.status_code == 422 and r.json()["error"]["code"] == "missing_input"
    use_up_runs(service_settings, tenant, 20)  # the free plan's month
    r = client.post(
        "/api/v1/runs", json={"workflow": "release", "inputs": {"version": "2"}}, headers=member
    )
    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert error["code"] == "quota_exceeded" and error["upgrade_url"].startswith("http")


def test_start_is_rate_limited(service_settings: Settings, tenant: str) -> None:
    settings = service_settings.model_copy(update={"rate_limit_user_per_minute": 2})
    client = TestClient(create_app(settings))
    member = _headers(settings, tenant, "U-member", Role.member)
    codes = [
        client.post("/api/v1/runs", json={"workflow": "nope"}, headers=member).status_code
        for _ in range(3)
    ]
    assert codes == [404, 404, 429]
    r = client.post("/api/v1/runs", json={"workflow": "nope"}, headers=member)
    assert int(r.headers["Retry-After"]) >= 1


def test_runs_list_pages_with_a_cursor(service_settings: Settings, tenant: str) -> None:
    client = TestClient(create_app(service_settings))
    member = _headers(service_settings, tenant, "U-member", Role.member)
    ids = []
    for i in range(5):
        body = {
            "workflow": "single_task",
            "inputs": {"agent": "product_owner", "task": "write_user_story", "feature": f"f{i}"},
            "conversation_id": "paged",
        }
        r = client.post("/api/v1/runs", json=body, headers=member)
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    service = WorkflowService(service_settings)
    service.wait_settled(tenant, [service.resolve(tenant, i) for i in ids], timeout=60)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, "conversation_id": "paged", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/runs", params=params, headers=member).json()
        seen += [r["id"] for r in page["runs"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1] and pages == 3  # newest first
    assert client.get("/api/v1/runs", params={"cursor": "x"}, headers=member).status_code == 422


def test_a_message_whose_run_the_quota_refuses_gets_402(
    service_settings: Settings, tenant: str
) -> None:
    """Defect: a quota refusal came back as HTTP 200 kind "error" on the messages API."""
    client = TestClient(create_app(service_settings))
    member = _headers(service_settings, tenant, "U-member", Role.member)
    use_up_runs(service_settings, tenant, 20)  # the free plan's month
    body = {"conversation_id": "q-1", "user": "U-member", "text": "write a user story for coupons"}
    r = client.post("/api/v1/messages", json=body, headers=member)
    assert r.status_code == 402, r.text
    error = r.json()["error"]
    assert error["code"] == "quota_exceeded" and "/billing/upgrade" in error["upgrade_url"]
    assert error["message"]  # the same words the chat user reads
