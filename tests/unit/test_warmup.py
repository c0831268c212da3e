import time

from fastapi.testclient import TestClient

from bot.app import create_app
from conversations.nlu.cascade import get_cascade
from integrations.settings import Settings


def test_server_start_loads_the_intent_model(embedded_settings: Settings) -> None:
    with TestClient(create_app(embedded_settings)) as client:
        assert client.get("/healthz").status_code == 200
        cascade = get_cascade(embedded_settings)
        deadline = time.monotonic() + 120
        while cascade._classifier is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert cascade._classifier is not None
