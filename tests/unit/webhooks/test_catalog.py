"""The event catalogue: documented in docs/webhooks.md and served by the API, one source."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.catalog import event_types, validate_payload
from integrations.webhooks_out.events import WEBHOOK_EVENTS
from tests.conftest import make_tenant

DOCS = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
EXPECTED = {
    "run.started",
    "run.step_succeeded",
    "run.waiting_approval",
    "run.approved",
    "run.rejected",
    "run.cancelled",
    "run.succeeded",
    "run.failed",
}


def test_every_event_type_is_in_the_catalogue_and_documented() -> None:
    assert set(WEBHOOK_EVENTS) == EXPECTED
    docs = DOCS.read_text(encoding="utf-8")
    for entry in event_types():
        assert f"### `{entry['type']}`" in docs
        assert json.dumps(entry["schema"], sort_keys=True) in docs, entry["type"]


def test_payloads_are_checked_against_the_schema() -> None:
    good = {
        "run_id": "run_" + "0" * 32,
        "workflow": "deploy",
        "conversation_key": "t:api:c",
        "user_id": "U1",
    }
    validate_payload("run.started", good)
    with pytest.raises(ValidationError):
        validate_payload("run.started", {**good, "run_id": "one"})
    with pytest.raises(ValidationError):  # the internal number never leaves the service
        validate_payload("run.started", {**good, "run_id": 1})
    with pytest.raises(ValidationError):
        validate_payload("run.started", {k: v for k, v in good.items() if k != "workflow"})


def test_event_types_endpoint(embedded_settings: Settings) -> None:
    tenant = make_tenant(embedded_settings.database_url, "tcat")
    with tenant_session(embedded_settings.database_url, tenant) as session:
        _row, key = create_api_key(session, tenant, name="t")
    client = TestClient(create_app(embedded_settings))
    assert client.get("/api/v1/webhooks/event-types").status_code == 401
    r = client.get("/api/v1/webhooks/event-types", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 200
    served = {e["type"]: e for e in r.json()["event_types"]}
    assert set(served) == EXPECTED
    assert served["run.cancelled"]["schema"]["properties"]["run_id"]["type"] == "string"
