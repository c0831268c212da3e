from fastapi.testclient import TestClient

from bot.app import create_app
from integrations.settings import Settings
from tests.readiness import wait_ready


def test_health_and_ready_on_embedded(embedded_settings: Settings) -> None:
    client = TestClient(create_app(embedded_settings))
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = wait_ready(client.get)
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"]["ok"] is True
    assert ready.json()["checks"]["redis"]["ok"] is True


def test_ready_names_the_failing_database(embedded_settings: Settings) -> None:
    broken = embedded_settings.model_copy(
        update={"database_url": "postgresql+psycopg://postgres@127.0.0.1:1/none"}
    )
    client = TestClient(create_app(broken))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["ok"] is False
    assert ready.json()["checks"]["redis"]["ok"] is True
    assert client.get("/healthz").status_code == 200


def test_oversized_body_gets_json_413(embedded_settings: Settings) -> None:
    small = embedded_settings.model_copy(update={"max_body_bytes": 100})
    client = TestClient(create_app(small))
    r = client.post("/healthz", content=b"x" * 500)
    assert r.status_code == 413
    assert r.json()["error"]["code"] == "body_too_large"


def test_unknown_route_is_json_404(embedded_settings: Settings) -> None:
    r = TestClient(create_app(embedded_settings)).get("/nope")
    assert r.status_code == 404
    assert "error" in r.json()


def test_metrics_exposed(embedded_settings: Settings) -> None:
    client = TestClient(create_app(embedded_settings))
    client.get("/healthz")
    body = client.get("/metrics").text
    assert "bmad_http_requests_total" in body
