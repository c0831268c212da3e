"""Deleting a user's conversation data ("forget me", data-protection requests).

Redis documents here; the database part is `integrations.privacy.forget.forget_user_data`.

Conversation documents are indexed per user (a Redis set of conversation keys, kept by
`StateStore.save`), so a user's documents can be found without scanning the keyspace.
"""

from __future__ import annotations

from conversations.store import state_key, user_index_key
from integrations.privacy.forget import forget_user_data
from integrations.redis_store import get_redis
from integrations.settings import Settings


def forget_user(settings: Settings, tenant_id: str, user_id: str) -> int:
    """Forget me: the user's conversation documents and their data in the database.

    Returns how many conversation documents were deleted.
    """
    deleted = forget_conversations(settings, tenant_id, user_id)
    # The database part: user record, stored messages of their runs, pseudonymised audit.
    forget_user_data(settings, tenant_id, user_id, requested_by=user_id, source="chat")
    return deleted


def forget_conversations(settings: Settings, tenant_id: str, user_id: str) -> int:
    """Delete every conversation document `user_id` spoke in; returns how many."""
    client = get_redis(settings.redis_url)
    index = user_index_key(tenant_id, user_id)
    keys = sorted(client.smembers(index))
    deleted = 0
    for conversation_key in keys:
        deleted += int(client.delete(state_key(tenant_id, conversation_key)))
    client.delete(index)
    return deleted
