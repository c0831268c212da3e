"""Optional Sentry (issue 16, point 5): errors reach a local envelope receiver through the
real sentry-sdk, without user text, request bodies or secrets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sentry_sdk
from fastapi import Request
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.app import create_app
from integrations.observability.errors import configure_sentry
from integrations.settings import Settings
from tests.fakes.sentry_receiver import SentryReceiver

USER_TEXT = "please deploy the secret merger plan to production"
TOKEN = "xoxb-1234567890-abcdefghij"


@pytest.fixture
def receiver() -> Iterator[SentryReceiver]:
    with SentryReceiver() as server:
        yield server
    sentry_sdk.init()  # no DSN: later tests send nothing


def test_off_without_dsn(embedded_settings: Settings) -> None:
    assert configure_sentry(embedded_settings, "web") is False


def test_unhandled_error_is_reported_scrubbed(
    embedded_settings: Settings, receiver: SentryReceiver
) -> None:
    settings = embedded_settings.model_copy(update={"sentry_dsn": SecretStr(receiver.dsn)})
    assert configure_sentry(settings, "web")
    integrations = sentry_sdk.get_client().integrations
    assert {"fastapi", "starlette", "celery"} <= set(integrations)
    app = create_app(settings)

    @app.post("/test-boom")
    async def boom(request: Request) -> None:
        body = await request.json()
        assert body["text"]
        raise RuntimeError(f"failed with {TOKEN} at postgresql://u:pw@db/x")

    client = TestClient(app, raise_server_exceptions=False)
    response = client.post(
        "/test-boom",
        json={"text": USER_TEXT},
        headers={"Authorization": f"Bearer {TOKEN}", "Cookie": "session=abc"},
    )
    assert response.status_code == 500
    sentry_sdk.flush(5)
    event = receiver.wait_for_event(exception="RuntimeError")
    raw = b"".join(receiver.raw).decode()
    for secret in (TOKEN, "1234567890-abcdefghij", ":pw@", "session=abc", USER_TEXT):
        assert secret not in raw, secret
    assert event["tags"]["component"] == "web"
    assert event["request"].get("data") in (None, "", "[filtered]")
    assert event["request"]["headers"]["authorization"] in ("***", "[filtered]")


def test_our_error_lines_reach_sentry_scrubbed(
    embedded_settings: Settings, receiver: SentryReceiver
) -> None:
    from integrations.observability.logging import configure_logging, get_logger

    configure_logging("INFO", json=True)
    settings = embedded_settings.model_copy(update={"sentry_dsn": SecretStr(receiver.dsn)})
    assert configure_sentry(settings, "worker")
    try:
        raise ValueError(f"bad reply for {TOKEN}")
    except ValueError:
        get_logger("tests.sentry").exception("turn_failed", text=USER_TEXT)
    sentry_sdk.flush(5)
    event = receiver.wait_for_event(exception="ValueError")
    raw = b"".join(receiver.raw).decode()
    assert event["exception"]["values"][-1]["type"] == "ValueError"
    assert TOKEN not in raw and USER_TEXT not in raw
