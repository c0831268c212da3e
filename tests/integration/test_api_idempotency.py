"""Idempotency-Key (issue 13): a retry after a lost response gets the very answer the first
request got (not `kind: duplicate` with an empty text), for 24 h, per tenant; the turn runs
once. The same key with another body is refused; another tenant's key is its own."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from bot.api.keys import create_api_key
from bot.app import create_app
from conversations.idempotency import RESPONSE_TTL_SECONDS
from integrations.db.session import tenant_session
from integrations.redis_store import get_redis
from integrations.settings import Settings
from tests.unit.webhooks.conftest import Tenant, setup_tenant

pytestmark = pytest.mark.integration


def _speaking_as_u1(settings: Settings, tenant_id: str) -> Tenant:
    """A tenant whose API key acts as user u1: keys without a user are read-only (issue 14)."""
    tenant = setup_tenant(settings, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        _row, plain = create_api_key(session, tenant_id, name="u1", user_id="u1")
    return replace(tenant, api_key=plain)


def _send(client: TestClient, tenant: Tenant, text: str, key: str, conv: str = "c1") -> Response:
    return client.post(
        "/api/v1/messages",
        json={"conversation_id": conv, "user": "u1", "text": text},
        headers={"Authorization": f"Bearer {tenant.api_key}", "Idempotency-Key": key},
    )


def test_a_retry_replays_the_first_response(service_settings: Settings, tenant_id: str) -> None:
    tenant = _speaking_as_u1(service_settings, tenant_id)
    other = _speaking_as_u1(service_settings, tenant_id + "b")
    client = TestClient(create_app(service_settings))

    first = _send(client, tenant, "deploy checkout", "key-1")
    assert first.status_code == 200 and first.json()["kind"] != "duplicate"
    assert first.json()["text"]
    retry = _send(client, tenant, "deploy checkout", "key-1")
    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert retry.headers["Idempotent-Replayed"] == "true"

    # The turn ran once: the conversation moved on by one question, not two.
    nxt = _send(client, tenant, "never mind", "key-2")
    assert nxt.status_code == 200 and nxt.json()["kind"] != "duplicate"

    # Stored for 24 h, under the tenant's own keys.
    ttls = [
        get_redis(service_settings.redis_url).ttl(k)
        for k in get_redis(service_settings.redis_url).scan_iter(f"bmad:{tenant_id}:idem:*")
    ]
    assert len(ttls) == 2 and all(
        RESPONSE_TTL_SECONDS - 60 < t <= RESPONSE_TTL_SECONDS for t in ttls
    )

    reused = _send(client, tenant, "something else entirely", "key-1")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"

    theirs = _send(client, other, "deploy checkout", "key-1")
    assert theirs.status_code == 200 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["conversation_key"] != first.json()["conversation_key"]


def _start(client: TestClient, tenant: Tenant, key: str | None, service: str) -> Response:
    headers = {"Authorization": f"Bearer {tenant.api_key}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        "/api/v1/runs",
        json={"workflow": "deploy", "inputs": {"service": service, "environment": "staging"}},
        headers=headers,
    )


def test_a_retried_run_start_starts_one_run(service_settings: Settings, tenant_id: str) -> None:
    """Defect: POST /api/v1/runs ignored Idempotency-Key, so a CI job retrying after a
    timeout deployed twice."""
    tenant = _speaking_as_u1(service_settings, tenant_id)
    client = TestClient(create_app(service_settings))
    first = _start(client, tenant, "ci-42", "checkout")
    assert first.status_code == 201, first.text
    retry = _start(client, tenant, "ci-42", "checkout")
    assert retry.status_code == 201 and retry.json()["id"] == first.json()["id"]
    assert retry.headers["Idempotent-Replayed"] == "true"
    other_body = _start(client, tenant, "ci-42", "billing")
    assert other_body.status_code == 422
    assert other_body.json()["error"]["code"] == "idempotency_key_reused"
    runs = client.get("/api/v1/runs", headers={"Authorization": f"Bearer {tenant.api_key}"})
    assert [r["id"] for r in runs.json()["runs"]] == [first.json()["id"]]
    without_key = [_start(client, tenant, None, "checkout") for _ in range(2)]
    assert len({r.json()["id"] for r in without_key}) == 2  # no key: each call is a new run
