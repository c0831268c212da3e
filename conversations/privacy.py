"""Deleting a user's conversation data ("forget me", data-protection requests).

Redis documents here; the database part is `integrations.privacy.forget.forget_user_data`.

Conversation documents are indexed per user (a Redis set of conversation keys, kept by
`StateStore.save`), so a user's documents can be found without scanning the keyspace.
"""

from __future__ import annotations

import re
from typing import Any, cast

from agents.notify import stream_key
from conversations.store import state_key, user_index_key
from integrations.privacy.forget import forget_user_data, refuse_last_owner
from integrations.redis_store import get_redis, key
from integrations.settings import Settings


def forget_user(settings: Settings, tenant_id: str, user_id: str) -> int:
    """Forget me: the user's conversation documents and their data in the database.

    Returns how many conversation documents were deleted. Raises LastOwnerKept (and
    deletes nothing) for the tenant's only owner.
    """
    refuse_last_owner(settings, tenant_id, user_id)  # before anything is deleted
    deleted = forget_conversations(settings, tenant_id, user_id)
    # The database part: user record, stored messages of their runs, pseudonymised audit.
    forget_user_data(settings, tenant_id, user_id, requested_by=user_id, source="chat")
    return deleted


def forget_conversations(settings: Settings, tenant_id: str, user_id: str) -> int:
    """Delete every conversation document `user_id` spoke in and its notice stream; drop
    the user's notices elsewhere and every key named after them (counters, caches).
    Returns how many conversation documents were deleted."""
    client = get_redis(settings.redis_url)
    index = user_index_key(tenant_id, user_id)
    keys = sorted(cast("set[str]", client.smembers(index)))  # decode_responses=True
    deleted = 0
    for conversation_key in keys:
        deleted += int(client.delete(state_key(tenant_id, conversation_key)))
        client.delete(stream_key(tenant_id, conversation_key))
    client.delete(index)
    _forget_keys_and_notices(client, tenant_id, user_id)
    return deleted


def _forget_keys_and_notices(client: Any, tenant_id: str, user_id: str) -> None:
    """Tenant keys named after the user (their id is the last `:`-segment: counters,
    caches, DM documents and streams) go; in the remaining notice streams, entries that
    name the user as a whole word go. Only the last segment: a user called `dm` or `conv`
    must not take other people's keys along. A rare admin operation, so a scan of the
    tenant's own keyspace is acceptable."""
    mention = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(user_id)}(?![A-Za-z0-9_])")
    notices = key(tenant_id, "notices") + ":"
    for name in list(client.scan_iter(match=key(tenant_id, "*"), count=500)):
        if name.rpartition(":")[2] == user_id:
            client.delete(name)
        elif name.startswith(notices) and client.type(name) == "stream":
            doomed = [i for i, f in client.xrange(name) if mention.search(f.get("notice", ""))]
            if doomed:
                client.xdel(name, *doomed)
