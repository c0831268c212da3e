"""Callers are told to retry (issue 13): with Redis or PostgreSQL down the API and the
webhooks answer 503 + Retry-After (and /readyz 503), a rate-limited generic webhook 429 +
Retry-After, never a 200 with an error text or a 500. Own Redis and PostgreSQL servers,
stopped and started by the test."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.migrate import upgrade
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign
from tests.own_services import OwnPostgres, OwnRedis
from tests.readiness import wait_ready
from tests.unit.webhooks.conftest import GENERIC_SECRET, Tenant, setup_tenant

pytestmark = pytest.mark.integration


@pytest.fixture
def services(tmp_path: Path) -> Iterator[tuple[OwnRedis, OwnPostgres]]:
    with OwnRedis(tmp_path) as redis, OwnPostgres() as pg:
        yield redis, pg


def _settings(redis: OwnRedis, pg: OwnPostgres, tmp_path: Path, **extra: object) -> Settings:
    settings = Settings(
        database_url=pg.url,
        redis_url=redis.url,
        queue="eager",
        data_dir=str(tmp_path / "data"),
        _env_file=None,
        **extra,
    )
    upgrade(settings.database_url)
    return settings


def _message(client: TestClient, tenant: Tenant, text: str, user: str = "u1") -> Response:
    return client.post(
        "/api/v1/messages",
        json={"conversation_id": "c1", "user": user, "text": text},
        headers={"Authorization": f"Bearer {tenant.api_key}"},
    )


def _generic(client: TestClient, tenant: Tenant, text: str) -> Response:
    body = json.dumps({"text": text, "user": "ops"}).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-BMAD-Timestamp": str(ts),
        "X-BMAD-Signature": sign(GENERIC_SECRET, ts, body),
    }
    return client.post(f"/webhooks/generic/{tenant.id}", content=body, headers=headers)


def _retry_later(response: Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["error"]["code"] in ("unavailable", "rate_limited")
    assert "Traceback" not in response.text and "://" not in response.text


def test_redis_and_postgres_outages_answer_503_with_retry_after(
    services: tuple[OwnRedis, OwnPostgres], tmp_path: Path, tenant_id: str
) -> None:
    redis, pg = services
    settings = _settings(redis, pg, tmp_path)
    tenant = setup_tenant(settings, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:  # keys without a user
        _row, plain = create_api_key(session, tenant_id, name="u1", user_id="u1")  # read-only
    tenant = replace(tenant, api_key=plain)
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    assert wait_ready(client.get).status_code == 200
    assert _message(client, tenant, "help").status_code == 200

    redis.stop()
    _retry_later(_message(client, tenant, "what can you do?"), 503)
    _retry_later(_generic(client, tenant, "what can you do?"), 503)
    assert client.get("/readyz").status_code == 503
    redis.start()
    assert _message(client, tenant, "what can you do?").status_code == 200

    pg.stop()
    _retry_later(_message(client, tenant, "what can you do today?"), 503)
    _retry_later(_generic(client, tenant, "what can you do today?"), 503)
    assert client.get("/readyz").status_code == 503
    pg.start()
    assert wait_ready(client.get).status_code == 200
    assert _message(client, tenant, "what can you do today?").status_code == 200


def test_a_rate_limited_generic_webhook_gets_429(
    service_settings: Settings, tenant_id: str
) -> None:
    settings = service_settings.model_copy(update={"rate_limit_user_per_minute": 1})
    tenant = setup_tenant(settings, tenant_id)
    client = TestClient(create_app(settings))
    assert _generic(client, tenant, "what can you do?").status_code == 200
    _retry_later(_generic(client, tenant, "and what else?"), 429)


def test_openapi_lists_503_and_429(embedded_settings: Settings) -> None:
    paths = TestClient(create_app(embedded_settings)).get("/openapi.json").json()["paths"]
    for path in ("/api/v1/messages", "/webhooks/generic/{tenant}", "/webhooks/github/{tenant}"):
        responses = paths[path]["post"]["responses"]
        assert {"429", "503"} <= set(responses), path
