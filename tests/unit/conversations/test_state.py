"""The state document stays bounded and the store guards versions and TTL."""

from datetime import timedelta

import fakeredis
import pytest
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.state import MAX_DOCUMENT_BYTES, MAX_HISTORY, ConversationState
from conversations.store import StateConflict, StateStore

TTL = 7 * 24 * 3600


@pytest.fixture
def store() -> StateStore:
    return StateStore(fakeredis.FakeRedis(decode_responses=True), TTL)


def _state(key: str = "t1:console:x") -> ConversationState:
    return ConversationState(tenant_id="t1", conversation_key=key)


def test_document_bounded_after_1000_turns(store: StateStore) -> None:
    state = _state()
    state.user_ids = ["u1"]
    for i in range(1000):
        state = store.load("t1", "t1:console:x")
        state.user_ids = ["u1"]
        state.fill({"feature": f"feature {i} " + "x" * 50, "service": f"svc{i}"})
        state.set_context(state.slots)
        state.add_run(i)
        state.remember("user", f"message {i} " + "words " * 80, "write_user_story")
        state.remember("assistant", f"reply {i} " + "text " * 80, "write_user_story")
        state.turn_count += 1
        store.save(state)
    raw = store.redis.get("bmad:t1:conv:t1:console:x")
    assert raw is not None
    assert len(raw.encode()) < MAX_DOCUMENT_BYTES
    loaded = store.load("t1", "t1:console:x")
    assert loaded.turn_count == 1000
    assert loaded.version == 1000
    assert len(loaded.history) == MAX_HISTORY
    assert loaded.history[-1].text.startswith("reply 999")
    assert loaded.last_run_ids[-1] == 999


def test_huge_single_turn_is_clipped(store: StateStore) -> None:
    state = _state()
    state.fill({"target": "diff " * 10_000})
    for _ in range(30):
        state.remember("user", "é" * 10_000, None)
    store.save(state)
    assert len(store.redis.get("bmad:t1:conv:t1:console:x").encode()) <= MAX_DOCUMENT_BYTES


def test_values_full_of_escaped_characters_stay_within_the_bound() -> None:
    state = _state()
    state.fill({f"slot{i}": '\x00\\"' * 700 for i in range(5)})
    state.remember("user", "\x01" * 280, None)
    assert len(state.to_json().encode()) <= MAX_DOCUMENT_BYTES


def test_stale_write_is_refused(store: StateStore) -> None:
    first = store.load("t1", "t1:console:x")
    second = store.load("t1", "t1:console:x")
    first.active_intent = "deploy"
    store.save(first)
    second.active_intent = "write_docs"
    with pytest.raises(StateConflict):
        store.save(second)
    assert store.load("t1", "t1:console:x").active_intent == "deploy"


def test_sliding_ttl_expires_idle_conversations(store: StateStore) -> None:
    with freeze_time("2026-01-01 12:00:00") as clock:
        state = _state()
        state.lang = "nl"
        store.save(state)
        clock.tick(timedelta(days=6))
        state = store.load("t1", "t1:console:x")
        assert state.lang == "nl"
        store.save(state)  # activity renews the TTL
        clock.tick(timedelta(days=6))
        assert store.load("t1", "t1:console:x").lang == "nl"
        clock.tick(timedelta(days=7, seconds=1))
        fresh = store.load("t1", "t1:console:x")
        assert fresh.lang == "en"
        assert fresh.version == 0


def test_user_index_lists_conversations(store: StateStore) -> None:
    for key in ("t1:console:a", "t1:console:b"):
        state = _state(key)
        state.user_ids = ["u1"]
        store.save(state)
    assert store.redis.smembers("bmad:t1:user_convs:u1") == {"t1:console:a", "t1:console:b"}


@settings(max_examples=60, deadline=None)
@given(
    turns=st.lists(st.text(max_size=3000), min_size=1, max_size=60),
    slots=st.dictionaries(st.text(min_size=1, max_size=20), st.text(max_size=5000), max_size=6),
)
def test_any_conversation_serializes_within_the_bound(
    turns: list[str], slots: dict[str, str]
) -> None:
    state = _state()
    state.fill(slots)
    state.set_context(slots)
    for i, text in enumerate(turns):
        state.remember("user" if i % 2 == 0 else "assistant", text, None)
        state.add_run(i)
    assert len(state.to_json().encode()) <= MAX_DOCUMENT_BYTES
