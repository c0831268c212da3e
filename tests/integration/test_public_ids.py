"""Runs, audit entries, webhook endpoints and outbound events are addressed by opaque ids.

Why: the internal row ids are global sequences, so a URL or payload carrying them tells any
tenant how busy the whole service is and invites guessing neighbours' ids.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.models import OutboxEvent, Role, WorkflowRun
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import add_endpoint, get_endpoint
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration

RUN_ID = re.compile(r"^run_[0-9a-f]{32}$")
AUDIT_ID = re.compile(r"^aud_[0-9a-f]{32}$")
EVENT_ID = re.compile(r"^evt_[0-9a-f]{32}$")


@pytest.fixture
def tenant(service_settings: Settings, tenant_id: str) -> str:
    return make_tenant(service_settings.database_url, tenant_id)


@pytest.fixture
def client(service_settings: Settings) -> TestClient:
    return TestClient(create_app(service_settings))


def _admin_key(settings: Settings, tenant: str) -> dict[str, str]:
    with tenant_session(settings.database_url, tenant) as session:
        set_role(session, tenant, "UADMIN", Role.admin)
        _row, plain = create_api_key(session, tenant, name="test", user_id="UADMIN")
    return {"Authorization": f"Bearer {plain}"}


def _start(client: TestClient, key: dict[str, str]) -> dict[str, object]:
    body = {"workflow": "release", "inputs": {"version": "2.0"}}
    started = client.post("/api/v1/runs", json=body, headers=key)
    assert started.status_code == 201, started.text
    return started.json()


def test_the_api_addresses_runs_by_opaque_ids_only(
    client: TestClient, service_settings: Settings, tenant: str
) -> None:
    key = _admin_key(service_settings, tenant)
    first, second = _start(client, key), _start(client, key)
    assert RUN_ID.match(str(first["id"])) and RUN_ID.match(str(second["id"]))
    assert client.get(f"/api/v1/runs/{first['id']}", headers=key).json()["id"] == first["id"]

    with tenant_session(service_settings.database_url, tenant) as session:
        number = session.scalar(select(WorkflowRun.id).where(WorkflowRun.public_id == first["id"]))
    assert number is not None
    refused = client.get(f"/api/v1/runs/{number}", headers=key)
    assert refused.status_code == 404 and refused.json()["error"]["code"]

    page = client.get("/api/v1/runs", params={"limit": 1}, headers=key).json()
    assert [r["id"] for r in page["runs"]] == [second["id"]]
    assert not str(page["next_cursor"]).isdigit()
    rest = client.get(
        "/api/v1/runs", params={"limit": 1, "cursor": page["next_cursor"]}, headers=key
    ).json()
    assert [r["id"] for r in rest["runs"]] == [first["id"]]
    gone = client.get("/api/v1/runs", params={"cursor": "run_" + "0" * 32}, headers=key)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "unknown_cursor"


def test_outbound_payloads_carry_the_opaque_run_id(
    client: TestClient, service_settings: Settings, tenant: str
) -> None:
    run = _start(client, _admin_key(service_settings, tenant))
    with tenant_session(service_settings.database_url, tenant) as session:
        events = list(
            session.scalars(select(OutboxEvent).where(OutboxEvent.event_type.like("run.%")))
        )
    assert events
    assert {e.payload["run_id"] for e in events} == {run["id"]}
    assert all(EVENT_ID.match(e.public_id) for e in events)


def test_audit_entries_have_opaque_ids_and_page_by_them(
    client: TestClient, service_settings: Settings, tenant: str
) -> None:
    key = _admin_key(service_settings, tenant)
    runs = [_start(client, key) for _ in range(3)]
    cancelled = client.post(f"/api/v1/runs/{runs[0]['id']}/cancel", headers=key)
    assert cancelled.status_code == 200, cancelled.text
    everything = client.get("/api/v1/audit", headers=key).json()["entries"]
    assert len(everything) >= 2
    assert all(AUDIT_ID.match(e["id"]) for e in everything)
    targets = [e["target"] for e in everything if e["action"] == "run.cancelled"]
    assert targets == [f"run:{runs[0]['id']}"]  # the audit log names runs as URLs do
    first = client.get("/api/v1/audit", params={"limit": 1}, headers=key).json()
    assert [e["id"] for e in first["entries"]] == [everything[0]["id"]]
    after = first["next_after_id"]
    assert after == everything[0]["id"]
    rest = client.get("/api/v1/audit", params={"after_id": after}, headers=key).json()
    assert [e["id"] for e in rest["entries"]] == [e["id"] for e in everything[1:]]
    unknown = client.get("/api/v1/audit", params={"after_id": "aud_" + "0" * 32}, headers=key)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"]


def test_webhook_endpoints_have_opaque_ids(service_settings: Settings, tenant: str) -> None:
    settings = service_settings.model_copy(update={"webhook_allow_private": True})
    with tenant_session(settings.database_url, tenant) as session:
        endpoint, _secret = add_endpoint(
            session, settings, tenant, "http://127.0.0.1:9/in", ["run.started"]
        )
        assert re.match(r"^whe_[0-9a-f]{32}$", endpoint.public_id)
        public_id = endpoint.public_id
    with tenant_session(settings.database_url, tenant) as session:
        assert get_endpoint(session, public_id) is not None
        assert get_endpoint(session, "whe_" + "0" * 32) is None
