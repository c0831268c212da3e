"""Deleting a user's conversation data ("forget me", data-protection requests).

Conversation documents are indexed per user (a Redis set of conversation keys, kept by
`StateStore.save`), so a user's documents can be found without scanning the keyspace.
"""

from __future__ import annotations

from conversations.store import state_key, user_index_key
from integrations.redis_store import get_redis
from integrations.settings import Settings


def forget_user(settings: Settings, tenant_id: str, user_id: str) -> int:
    """Delete every conversation document `user_id` spoke in; returns how many."""
    client = get_redis(settings.redis_url)
    index = user_index_key(tenant_id, user_id)
    keys = sorted(client.smembers(index))
    deleted = 0
    for conversation_key in keys:
        deleted += int(client.delete(state_key(tenant_id, conversation_key)))
    client.delete(index)
    return deleted
