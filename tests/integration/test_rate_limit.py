"""Rate limits on the real Redis: processes share one budget; the API answers 429."""

from __future__ import annotations

import multiprocessing
import uuid
from concurrent.futures import ProcessPoolExecutor

import pytest
from fastapi.testclient import TestClient

from bot.api.keys import create_api_key
from bot.app import create_app
from conversations.message import Message, conversation_key
from conversations.pipeline import TurnPipeline
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def _limited(settings: Settings, user: int, tenant: int = 0) -> Settings:
    return settings.model_copy(
        update={"rate_limit_user_per_minute": user, "rate_limit_tenant_per_minute": tenant}
    )


def _talk(settings: Settings, tenant_id: str, turns: int) -> list[str]:
    """Runs in its own process: its own pipeline and its own Redis connections."""
    pipeline = TurnPipeline(settings)
    key = conversation_key(tenant_id, "console", uuid.uuid4().hex[:8])
    kinds = []
    for _ in range(turns):
        message = Message(
            tenant_id=tenant_id,
            channel="console",
            conversation_key=key,
            user_id="u1",
            text="hello",
            event_id=uuid.uuid4().hex,
        )
        kinds.append(pipeline.handle(message).kind)
    return kinds


def test_two_processes_share_one_user_budget(service_settings: Settings, tenant_id: str) -> None:
    settings = _limited(service_settings, user=5)
    make_tenant(settings.database_url, tenant_id)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        results = list(pool.map(_talk, [settings] * 2, [tenant_id] * 2, [4, 4]))
    kinds = [kind for result in results for kind in result]
    assert kinds.count("answer") == 5, results
    assert kinds.count("error") == 3, results


def test_api_answers_429_with_retry_after(service_settings: Settings, tenant_id: str) -> None:
    settings = _limited(service_settings, user=2)
    make_tenant(settings.database_url, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        _row, plain = create_api_key(session, tenant_id, name="test", user_id="U1")
        _row, plain_u2 = create_api_key(session, tenant_id, name="u2", user_id="U2")
    client = TestClient(create_app(settings))
    auth = {"Authorization": f"Bearer {plain}"}
    body = {"user": "U1", "conversation_id": "c-1", "text": "hello"}
    for _ in range(2):
        assert client.post("/api/v1/messages", json=body, headers=auth).status_code == 200
    r = client.post("/api/v1/messages", json=body, headers=auth)
    assert r.status_code == 429, r.text
    seconds = int(r.headers["Retry-After"])
    assert 1 <= seconds <= 60
    error = r.json()["error"]
    assert error["code"] == "rate_limited" and error["retry_after"] == seconds
    assert str(seconds) in error["message"]
    other = {**body, "user": "U2"}  # the limit is per user: U2's own key still talks
    u2 = {"Authorization": f"Bearer {plain_u2}"}
    assert client.post("/api/v1/messages", json=other, headers=u2).status_code == 200
