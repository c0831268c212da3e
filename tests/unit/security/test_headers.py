"""Security headers, the /metrics token, and no SQL parameters in database errors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.exc import StatementError

from bot.app import create_app
from integrations.db.session import engine_for
from integrations.settings import Settings


@pytest.fixture
def client(embedded_settings: Settings) -> TestClient:
    return TestClient(create_app(embedded_settings), raise_server_exceptions=False)


def test_api_answers_are_not_sniffed_or_cached(client: TestClient) -> None:
    r = client.get("/api/v1/usage")
    assert r.status_code == 401
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
    assert "server" not in r.headers
    assert client.get("/healthz").headers["x-content-type-options"] == "nosniff"


def test_html_pages_cannot_be_framed(client: TestClient) -> None:
    for path in ("/docs", "/billing/done"):
        r = client.get(path)
        if r.headers.get("content-type", "").startswith("text/html"):
            assert r.headers["x-frame-options"] == "DENY"
            assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    docs = client.get("/docs")
    assert docs.status_code == 200 and docs.headers["x-frame-options"] == "DENY"


def test_metrics_need_the_token_when_one_is_set(embedded_settings: Settings) -> None:
    settings = embedded_settings.model_copy(update={"metrics_token": SecretStr("m3trics-t0ken")})
    client = TestClient(create_app(settings))
    refused = client.get("/metrics")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    ok = client.get("/metrics", headers={"Authorization": "Bearer m3trics-t0ken"})
    assert ok.status_code == 200 and "bmad_" in ok.text
    open_ = TestClient(create_app(embedded_settings)).get("/metrics")
    assert open_.status_code == 200  # no token configured: development default


def test_database_errors_do_not_carry_parameters(embedded_settings: Settings) -> None:
    engine = engine_for(embedded_settings.database_url)
    with engine.connect() as conn, pytest.raises(StatementError) as err:
        conn.execute(text("SELECT * FROM no_such_table WHERE x = :v"), {"v": "SECRET-USER-TEXT"})
    assert "SECRET-USER-TEXT" not in str(err.value)


def test_refusals_from_middleware_carry_the_headers_too(client: TestClient) -> None:
    r = client.get("/api/v1/usage", headers={"X-Anything": "caf\u00e9".encode()})
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_header"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["cache-control"] == "no-store"
