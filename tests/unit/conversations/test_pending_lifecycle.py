"""Pending items: owner and expiry set when asked, from the settings; a document from
before pending items had an owner is treated as expired (its age is unknown)."""

from __future__ import annotations

from datetime import timedelta

from agents.workflows.service import WorkflowService
from conversations.state import Pending
from conversations.store import StateStore
from integrations.redis_store import get_redis
from integrations.settings import Settings
from tests.unit.conversations.chat_helper import Chat


def test_question_gets_owner_and_the_configured_expiry(
    embedded_settings: Settings, tenant_id: str
) -> None:
    settings = embedded_settings.model_copy(update={"pending_ttl_seconds": 120})
    chat = Chat(settings, tenant_id)
    assert chat.say("deploy checkout to production").kind == "confirm"
    pending = chat.state().pending
    assert pending is not None and pending.owner == chat.user and pending.kind == "confirm"
    assert pending.expires_at - pending.asked_at == timedelta(seconds=120)
    # Asking again ("please answer yes or no") keeps the original expiry.
    chat.say("what do you think about the weather")
    again = chat.state().pending
    assert again is not None and again.expires_at == pending.expires_at


def test_legacy_pending_without_owner_is_not_confirmed(
    embedded_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(embedded_settings, tenant_id)
    state = chat.state()
    state.active_intent = "deploy"
    state.slots = {"service": "checkout", "environment": "production"}
    state.pending = Pending(kind="confirm", intent="deploy")
    StateStore(get_redis(None), 3600).save(state)
    reply = chat.say("yes")
    assert reply.kind == "answer" and "expired" in reply.text
    assert WorkflowService(embedded_settings).list_runs(tenant_id) == []
