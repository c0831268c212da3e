import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from bot.doctor import run_doctor
from integrations.settings import Settings

pytestmark = pytest.mark.integration


def test_ready_on_real_postgres_and_redis(service_settings: Settings) -> None:
    r = TestClient(create_app(service_settings)).get("/readyz")
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["redis"]["detail"] == "ok"


def test_doctor_reports_both_reachable(service_settings: Settings) -> None:
    out: list[str] = []
    assert run_doctor(service_settings, out.append) == 0
    assert "  database: reachable (ok)" in out and "  redis: reachable (ok)" in out


def test_ready_names_unreachable_redis(service_settings: Settings) -> None:
    broken = service_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    r = TestClient(create_app(broken)).get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["redis"]["ok"] is False
    assert r.json()["checks"]["database"]["ok"] is True
