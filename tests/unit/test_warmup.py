from fastapi.testclient import TestClient

from bot.app import create_app
from conversations.nlu.cascade import get_cascade
from integrations.settings import Settings
from tests.polling import wait_until


def test_server_start_loads_the_intent_model(embedded_settings: Settings) -> None:
    with TestClient(create_app(embedded_settings)) as client:
        assert client.get("/healthz").status_code == 200
        cascade = get_cascade(embedded_settings)
        wait_until(
            lambda: cascade._classifier is not None, 120, "the intent model to load", interval=0.1
        )
