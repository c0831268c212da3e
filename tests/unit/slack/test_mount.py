"""Slack routes exist only with a signing secret; with one, Bolt refuses unsigned bodies."""

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from bot.doctor import feature_notes
from integrations.settings import Settings
from tests.fakes.slack_api import FakeSlackAPI


def test_without_signing_secret_there_are_no_slack_routes(embedded_settings: Settings) -> None:
    client = TestClient(create_app(embedded_settings))
    response = client.post("/slack/events", json={"type": "url_verification", "challenge": "x"})
    assert response.status_code == 404
    assert any("SLACK_SIGNING_SECRET" in note for note in feature_notes(embedded_settings))


def test_with_signing_secret_unsigned_requests_get_401(embedded_settings: Settings) -> None:
    with FakeSlackAPI() as slack:
        settings = embedded_settings.model_copy(
            update={
                "slack_signing_secret": SecretStr("s3cret"),
                "slack_bot_token": SecretStr("xoxb-unit"),
                "slack_api_url": slack.api_url,
            }
        )
        client = TestClient(create_app(settings))
        body = {"type": "url_verification", "challenge": "x"}
        refused = client.post("/slack/events", json=body)
        assert refused.status_code == 401 and refused.json()
        assert [c.method for c in slack.calls] == ["auth.test"]  # token verified at start
        metrics = client.get("/metrics").text
        assert 'bmad_http_requests_total{method="POST",route="/slack/events",status="401"}' in (
            metrics
        )
