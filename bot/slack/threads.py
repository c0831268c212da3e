"""Small Redis facts about Slack threads, shared by web replicas and workers.

- a channel thread the bot answered in is "active": replies there without an @mention
  still reach the assistant (the thread is the conversation);
- the thread of a user's latest DM conversation, so workflow notices for `T:dm:U`
  conversations land in that thread.
"""

from __future__ import annotations

import json
from typing import Any, cast

import redis

from integrations.redis_store import key

THREAD_TTL_SECONDS = 7 * 24 * 3600


def mark_active(client: redis.Redis, team: str, channel: str, thread_ts: str) -> None:
    client.set(key(team, "slack", "thread", channel, thread_ts), "1", ex=THREAD_TTL_SECONDS)


def is_active(client: redis.Redis, team: str, channel: str, thread_ts: str) -> bool:
    return bool(client.exists(key(team, "slack", "thread", channel, thread_ts)))


def remember_dm_thread(client: redis.Redis, team: str, user: str, channel: str, ts: str) -> None:
    client.set(key(team, "slack", "dm", user), f"{channel}|{ts}", ex=THREAD_TTL_SECONDS)


def dm_thread(client: redis.Redis, team: str, user: str) -> tuple[str, str] | None:
    raw = client.get(key(team, "slack", "dm", user))
    if not raw:
        return None
    channel, _, ts = str(raw).partition("|")
    return channel, ts


def approval_message_key(team: str, run_id: int) -> str:
    """Where a run's approval request messages (the request, any reminder) are remembered
    (channel, ts, blocks), so a decision made anywhere can update them."""
    return key(team, "slack", "approvals", run_id)


def approval_messages(client: redis.Redis, team: str, run_id: int) -> list[dict[str, Any]]:
    # decode_responses=True (get_redis): the items are str
    raw = cast("list[str]", client.lrange(approval_message_key(team, run_id), 0, -1))
    return [json.loads(item) for item in raw]
