"""An alert whose run the engine refuses: the reason goes in the thread, repeats stay there."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from integrations.settings import Settings
from tests.fakes.slack_api import FakeSlackAPI
from tests.unit.agents.conftest import place_broken_template
from tests.unit.webhooks import payloads
from tests.unit.webhooks.conftest import AM_TOKEN, setup_tenant

CHANNEL = "C0REFUSED"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


def test_refused_run_is_explained_in_the_thread(
    embedded_settings: Settings, tenant_id: str, slack: FakeSlackAPI
) -> None:
    settings = embedded_settings.model_copy(
        update={"slack_bot_token": SecretStr("xoxb-t"), "slack_api_url": slack.api_url}
    )
    tenant = setup_tenant(settings, tenant_id, channel=CHANNEL)
    # the tenant's own incident_response template is broken: the engine refuses to start it
    place_broken_template(
        settings, tenant.id, "incident_response", {"name": "incident_response", "steps": []}
    )
    client = TestClient(create_app(settings))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {AM_TOKEN}"}
    url = f"/webhooks/alertmanager/{tenant.id}"
    first = client.post(url, content=json.dumps(payloads.alertmanager()), headers=headers)
    assert first.status_code == 200 and first.json() == {"status": "refused", "run_id": None}
    repeat = client.post(url, content=json.dumps(payloads.alertmanager()), headers=headers)
    assert repeat.json()["status"] == "updated"
    posts = slack.calls_to("chat.postMessage", channel=CHANNEL)
    roots = [p for p in posts if not p.params.get("thread_ts")]
    replies = [p for p in posts if p.params.get("thread_ts")]
    assert len(roots) == 1 and len(replies) == 2
    assert "incident_response" in replies[0].params["text"]  # the engine's reason
