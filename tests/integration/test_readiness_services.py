import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.doctor import run_doctor
from integrations.settings import Settings
from tests.readiness import wait_ready
from tests.services import DEPLOYMENT_PSEUDONYM_KEY, DEPLOYMENT_SECRET_KEY

pytestmark = pytest.mark.integration


def test_ready_on_real_postgres_and_redis(service_settings: Settings) -> None:
    r = wait_ready(TestClient(create_app(service_settings)).get)
    assert r.status_code == 200, r.text
    assert r.json()["checks"]["redis"]["detail"] == "ok"


def test_doctor_reports_both_reachable(service_settings: Settings) -> None:
    out: list[str] = []
    keyed = service_settings.model_copy(  # a shared deployment must have its keys (issue 17)
        update={
            "secret_key": SecretStr(DEPLOYMENT_SECRET_KEY),
            "privacy_pseudonym_key": SecretStr(DEPLOYMENT_PSEUDONYM_KEY),
        }
    )
    assert run_doctor(keyed, out.append) == 0
    assert "  database: reachable (ok)" in out and "  redis: reachable (ok)" in out


def test_ready_names_unreachable_redis(service_settings: Settings) -> None:
    broken = service_settings.model_copy(update={"redis_url": "redis://127.0.0.1:1/0"})
    r = TestClient(create_app(broken)).get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["redis"]["ok"] is False
    assert r.json()["checks"]["database"]["ok"] is True
