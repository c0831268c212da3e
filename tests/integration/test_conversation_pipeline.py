"""The turn pipeline on the real Redis and PostgreSQL: dedupe, per-conversation
serialization, isolation of parallel conversations, memory failure, data deletion."""

from __future__ import annotations

import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from redis import Redis
from redis.lock import Lock
from structlog.testing import capture_logs

from agents.workflows.service import WorkflowService
from conversations import pipeline as pipeline_module
from conversations.locking import LOCK_TIMEOUT_SECONDS, conversation_lock
from conversations.message import Message
from conversations.pipeline import TurnPipeline, get_pipeline
from conversations.privacy import forget_user
from conversations.store import state_key
from integrations.billing.plans import get_plan
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of, set_role
from integrations.redis_store import get_redis
from integrations.settings import Settings
from tests.integration.billing_support import use_up_runs
from tests.polling import wait_until
from tests.unit.conversations.chat_helper import Chat

pytestmark = pytest.mark.integration


def test_same_event_id_gets_one_reply(service_settings: Settings, tenant_id: str) -> None:
    chat = Chat(service_settings, tenant_id)
    first = chat.say("deploy checkout", event_id="evt-1")
    again = chat.say("deploy checkout", event_id="evt-1")
    assert first.kind == "question"
    assert again.kind == "duplicate"
    assert again.text == ""
    state = chat.state()
    assert state.turn_count == 1
    assert [t.text for t in state.history if t.role == "user"] == ["deploy checkout"]


def test_messages_of_one_conversation_are_serialized(
    service_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(service_settings, tenant_id)
    texts = ["hello", "what can you do", "which agents are there", "hi again", "help"]
    with capture_logs() as logs, ThreadPoolExecutor(max_workers=len(texts)) as pool:
        replies = list(pool.map(chat.say, texts))
    assert all(r.kind == "answer" and r.text for r in replies), replies
    # Every turn loaded the state the previous one wrote: no save found a newer version.
    events = {e["event"] for e in logs}
    assert "turn_state_conflict_merged" not in events, events
    assert "turn_handled" in events
    state = chat.state()
    assert state.turn_count == len(texts)
    assert state.version == len(texts)
    users = [t.text for t in state.history if t.role == "user"]
    assert sorted(users) == sorted(texts)
    # Each turn appends its question and answer together, so roles alternate.
    assert [t.role for t in state.history] == ["user", "assistant"] * len(texts)


def test_fifty_conversations_in_parallel_stay_separate(
    service_settings: Settings, tenant_id: str
) -> None:
    chats = [Chat(service_settings, tenant_id, user=f"u{i}") for i in range(50)]
    services = [f"svc{i}" for i in range(50)]

    def talk(i: int) -> tuple[str, str]:
        first = chats[i].say(f"deploy {services[i]}")
        return first.kind, chats[i].state().slots.get("service", "")

    with ThreadPoolExecutor(max_workers=16) as pool:
        results = list(pool.map(talk, range(50)))
    assert [kind for kind, _ in results] == ["question"] * 50
    assert [service for _, service in results] == services
    for chat in chats:
        state = chat.state()
        assert state.pending is not None and state.pending.slot == "environment"
        assert state.user_ids == [chat.user]


def test_state_ttl_slides_with_each_turn(service_settings: Settings, tenant_id: str) -> None:
    chat = Chat(service_settings, tenant_id)
    chat.say("hello")
    client = get_redis(service_settings.redis_url)
    ttl = client.ttl(state_key(tenant_id, chat.key))
    assert service_settings.conversation_ttl - 10 <= ttl <= service_settings.conversation_ttl


def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("deploy checkout", "can't reach my memory"), ("deploy checkout naar productie", "geheugen")],
)
def test_redis_down_gives_a_short_reply(
    service_settings: Settings, tenant_id: str, text: str, expected: str
) -> None:
    down = service_settings.model_copy(
        update={"redis_url": f"redis://127.0.0.1:{_unused_port()}/0"}
    )
    pipeline = TurnPipeline(down)
    reply = pipeline.handle(
        Message(
            tenant_id=tenant_id,
            channel="api",
            conversation_key=f"{tenant_id}:api:c1",
            user_id="u1",
            text=text,
            event_id=uuid.uuid4().hex,
        )
    )
    assert reply.kind == "error"
    assert expected in reply.text
    assert "Traceback" not in reply.text


def test_forget_me_deletes_the_users_conversations(
    service_settings: Settings, tenant_id: str
) -> None:
    mine = Chat(service_settings, tenant_id, user="alice")
    other = Chat(service_settings, tenant_id, user="alice")
    someone_else = Chat(service_settings, tenant_id, user="bob")
    for chat in (mine, other, someone_else):
        chat.say("deploy checkout")
    assert mine.say("forget me").kind == "confirm"
    done = mine.say("yes")
    assert done.kind == "answer"
    client = get_redis(service_settings.redis_url)
    assert client.get(state_key(tenant_id, mine.key)) is None
    assert client.get(state_key(tenant_id, other.key)) is None
    assert client.get(state_key(tenant_id, someone_else.key)) is not None
    assert someone_else.state().pending is not None


def test_forget_user_function(service_settings: Settings, tenant_id: str) -> None:
    chat = Chat(service_settings, tenant_id, user="carol")
    chat.say("hello")
    with tenant_session(service_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "dave", Role.owner)  # carol is not the only owner
    assert forget_user(service_settings, tenant_id, "carol") == 1
    assert forget_user(service_settings, tenant_id, "carol") == 0
    assert chat.state().turn_count == 0


def test_get_pipeline_is_cached(service_settings: Settings) -> None:
    assert get_pipeline(service_settings) is get_pipeline(service_settings)


def test_a_dead_holders_lock_expires(service_settings: Settings, tenant_id: str) -> None:
    """A process that died mid-turn leaves a lock with a timeout, never a permanent one."""
    client = get_redis(service_settings.redis_url)
    key = f"{tenant_id}:api:c1"
    lock = conversation_lock(client, tenant_id, key)
    assert lock.acquire(blocking=False)
    ttl_ms = client.pttl(lock.name)
    assert 0 < ttl_ms <= LOCK_TIMEOUT_SECONDS * 1000
    # Simulate the expiry instead of waiting a minute: the holder is gone.
    client.pexpire(lock.name, 1)
    wait_until(lambda: not client.exists(lock.name), 5, "the lock to expire")
    reply = TurnPipeline(service_settings).handle(
        Message(
            tenant_id=tenant_id,
            channel="api",
            conversation_key=key,
            user_id="u1",
            text="hello",
            event_id=uuid.uuid4().hex,
        )
    )
    assert reply.kind == "answer"


def test_quota_refusal_is_answered_in_the_users_language(
    service_settings: Settings, tenant_id: str
) -> None:
    chat = Chat(service_settings, tenant_id)
    use_up_runs(service_settings, tenant_id, get_plan("free").runs or 0)
    refused = chat.say("deploy checkout naar staging")
    assert refused.kind == "error", refused
    assert refused.run_ids == []
    assert refused.text.startswith("Dat kon ik niet starten"), refused.text
    assert chat.state().pending is None
    assert WorkflowService(service_settings).list_runs(tenant_id) == []


def test_a_turn_waits_while_another_process_holds_the_conversation(
    service_settings: Settings, tenant_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = Chat(service_settings, tenant_id)
    other = Chat(service_settings, tenant_id)  # a different conversation of the same tenant
    held = conversation_lock(get_redis(service_settings.redis_url), tenant_id, chat.key)
    assert held.acquire(blocking=False)  # another replica is mid-turn in this conversation

    # Where the turn is: in the lock's acquire (entered), or past it (acquired).
    entered, acquired = threading.Event(), threading.Event()

    def watched_lock(client: Redis, tenant: str, key: str) -> Lock:
        lock = conversation_lock(client, tenant, key)
        if key == chat.key:
            acquire = lock.acquire

            def watched(*args: Any, **kwargs: Any) -> bool:
                entered.set()
                try:
                    return acquire(*args, **kwargs)
                finally:
                    acquired.set()

            lock.acquire = watched  # type: ignore[method-assign]
        return lock

    monkeypatch.setattr(pipeline_module, "conversation_lock", watched_lock)
    with ThreadPoolExecutor(max_workers=1) as pool:
        waiting = pool.submit(chat.say, "hello")
        assert entered.wait(timeout=10), "the turn never asked for the conversation lock"
        # A whole turn of another conversation, started later, is not held up ...
        assert other.say("hello").kind == "answer"
        # ... while this one still waits for the lock.
        assert not acquired.is_set() and not waiting.done()
        assert chat.state().turn_count == 0
        held.release()
        assert waiting.result(timeout=30).kind == "answer"
    assert chat.state().turn_count == 1


def test_the_only_owner_cannot_forget_themselves_and_loses_nothing(
    service_settings: Settings, tenant_id: str
) -> None:
    """Defect (noticed in stop 23): "forget me" by the workspace's only owner deleted them,
    leaving a tenant nobody may administer (roles, billing). They are told to hand the
    owner role on first; nothing is deleted."""
    owner = Chat(service_settings, tenant_id, user="olivia")
    owner.say("deploy checkout")
    with tenant_session(service_settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "olivia", Role.owner)
    assert owner.say("forget me").kind == "confirm"
    refused = owner.say("yes")
    assert refused.kind == "answer" and "owner" in refused.text
    assert get_redis(service_settings.redis_url).get(state_key(tenant_id, owner.key)) is not None
    with tenant_session(service_settings.database_url, tenant_id) as session:
        assert role_of(session, "olivia") == Role.owner
        set_role(session, tenant_id, "oscar", Role.owner)  # a second owner: now it may
    assert owner.say("forget me").kind == "confirm"
    assert owner.say("yes").kind == "answer"
    assert get_redis(service_settings.redis_url).get(state_key(tenant_id, owner.key)) is None
    with tenant_session(service_settings.database_url, tenant_id) as session:
        assert role_of(session, "olivia") is None
