"""A /bmad request that fails after the ack still ends in a short answer to the user."""

import uuid

from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from integrations.settings import Settings
from tests.fakes import slack_payloads as P
from tests.fakes.slack_api import FakeSlackAPI, sign_request


def test_a_failing_request_is_answered_not_dropped(embedded_settings: Settings) -> None:
    with FakeSlackAPI() as slack:
        settings = embedded_settings.model_copy(
            update={
                "slack_signing_secret": SecretStr("s3cret"),
                "slack_bot_token": SecretStr("xoxb-unit"),
                "slack_api_url": slack.api_url,
            }
        )
        tag = uuid.uuid4().hex[:8].upper()
        channel = f"C{tag}"
        slack.refuse_channel(channel, "fatal_error")  # not a refusal we can route around
        url = slack.response_url()
        body = P.slash_command(f"T{tag}", f"U{tag}", channel, "write a story", response_url=url)
        client = TestClient(create_app(settings))
        response = client.post(
            "/slack/events",
            content=body.encode(),
            headers=sign_request("s3cret", body, content_type="form"),
        )
        assert response.status_code == 200
        (answer,) = slack.wait_for("response_url", 1, timeout=10)
    assert "went wrong" in answer.params["text"]
    assert "fatal_error" not in answer.params["text"]  # no vendor error text to users
