"""Which conversation a Slack message belongs to: one helper, used by every listener.

A channel thread is one conversation (`T1:slack:C1:1700.1`); a direct message is one
conversation per user (`T1:dm:U1`), as ARCHITECTURE.md section 4 defines.
"""

from __future__ import annotations

from conversations.message import conversation_key

DM_CHANNEL_TYPES = frozenset({"im"})
# The "thread" of a /bmad request in a channel that refused the bot: no Slack thread
# exists; its answers go through response_url, later results to the user's DM.
NO_THREAD_PREFIX = "cmd-"


def slack_conversation_key(team_id: str, channel: str, thread_ts: str, user: str, dm: bool) -> str:
    if dm:
        return conversation_key(team_id, "dm", user)
    return conversation_key(team_id, "slack", f"{channel}:{thread_ts}")


def thread_of(event: dict[str, str]) -> str:
    """The thread a reply goes in: the message's thread, or the message itself starts one."""
    return event.get("thread_ts") or event["ts"]


def is_dm_channel(channel: str, channel_type: str | None) -> bool:
    return channel_type in DM_CHANNEL_TYPES or (channel_type is None and channel.startswith("D"))
