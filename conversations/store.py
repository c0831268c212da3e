"""Conversation state in Redis: load, save with an optimistic version check, delete.

The per-conversation lock already serializes turns; the version check (WATCH/MULTI) is the
second line of defence for a turn that outlived its lock: it then fails instead of
silently overwriting a newer state. Every save renews the TTL (sliding expiry), and a set
per user indexes the conversations that user spoke in, so their data can be deleted.
"""

from __future__ import annotations

import json

import redis
from pydantic import ValidationError

from conversations.state import ConversationState
from integrations.observability.logging import get_logger
from integrations.redis_store import key

log = get_logger(__name__)


class StateConflict(RuntimeError):
    """The stored document changed since it was loaded (another writer won)."""


def state_key(tenant_id: str, conversation_key: str) -> str:
    return key(tenant_id, "conv", conversation_key)


def user_index_key(tenant_id: str, user_id: str) -> str:
    return key(tenant_id, "user_convs", user_id)


class StateStore:
    def __init__(self, client: redis.Redis, ttl_seconds: int) -> None:
        self.redis = client
        self.ttl = ttl_seconds

    def load(self, tenant_id: str, conversation_key: str) -> ConversationState:
        raw = self.redis.get(state_key(tenant_id, conversation_key))
        if raw is None:
            return ConversationState(tenant_id=tenant_id, conversation_key=conversation_key)
        try:
            return ConversationState.model_validate_json(raw)
        except ValidationError:
            # An unreadable document (older schema) must not block the conversation forever.
            log.warning("conversation_state_unreadable", conversation_id=conversation_key)
            state = ConversationState(tenant_id=tenant_id, conversation_key=conversation_key)
            state.version = _stored_version(raw)
            return state

    def save(self, state: ConversationState) -> None:
        """Write `state` if nobody wrote since it was loaded; bumps `state.version`."""
        k = state_key(state.tenant_id, state.conversation_key)
        with self.redis.pipeline() as pipe:
            try:
                pipe.watch(k)
                raw = pipe.get(k)
                stored = _stored_version(raw) if raw is not None else 0
                if stored != state.version:
                    raise StateConflict(f"stored version {stored}, loaded {state.version}")
                state.version += 1
                pipe.multi()
                pipe.set(k, state.to_json(), ex=self.ttl)
                for user_id in state.user_ids:
                    index = user_index_key(state.tenant_id, user_id)
                    pipe.sadd(index, state.conversation_key)
                    pipe.expire(index, self.ttl)
                pipe.execute()
            except redis.WatchError as err:
                state.version -= 1
                raise StateConflict("state changed during save") from err

    def delete(self, tenant_id: str, conversation_key: str, user_ids: list[str]) -> None:
        with self.redis.pipeline() as pipe:
            pipe.delete(state_key(tenant_id, conversation_key))
            for user_id in user_ids:
                pipe.srem(user_index_key(tenant_id, user_id), conversation_key)
            pipe.execute()

    def ttl_of(self, tenant_id: str, conversation_key: str) -> int:
        return int(self.redis.ttl(state_key(tenant_id, conversation_key)))


def _stored_version(raw: str | bytes) -> int:
    try:
        return int(json.loads(raw).get("version", 0))
    except (ValueError, AttributeError, TypeError):
        return 0
