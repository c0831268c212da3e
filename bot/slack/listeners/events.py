"""Messages that become turns: @mentions in channels, direct messages, and replies in a
channel thread the assistant is already part of. Edits, joins, bot messages and other
message subtypes are acknowledged and ignored.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack.keys import is_dm_channel, thread_of
from bot.slack.listeners.acks import ack_now
from bot.slack.threads import is_active
from bot.slack.turn import SlackTurn, dispatch_turn
from integrations.redis_store import get_redis
from integrations.settings import Settings

_MENTION = re.compile(r"<@([A-Z0-9]+)(\|[^>]*)?>")


def strip_bot_mention(text: str, bot_user_id: str | None) -> str:
    """Remove the bot's own @mention; other users' mentions stay part of the request."""
    if not bot_user_id:
        return text.strip()
    return _MENTION.sub(lambda m: "" if m.group(1) == bot_user_id else m.group(0), text).strip()


def event_id_of(body: dict[str, Any], event: dict[str, Any]) -> str:
    """`client_msg_id` when Slack sends one (the same message as app_mention and as message
    event shares it), else the envelope's event id; both are stable across Slack retries."""
    return str(event.get("client_msg_id") or body.get("event_id") or event["ts"])


def team_of(body: dict[str, Any], context: BoltContext) -> str:
    return str(context.team_id or body.get("team_id"))


def register(app: App, settings: Settings) -> None:
    def on_mention(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        if event.get("bot_id") or not event.get("user"):
            return
        turn = SlackTurn(
            team_id=team_of(body, context),
            channel=event["channel"],
            thread_ts=thread_of(event),
            user_id=event["user"],
            text=strip_bot_mention(event.get("text", ""), context.bot_user_id),
            event_id=event_id_of(body, event),
            dm=False,
        )
        dispatch_turn(settings, turn)

    def on_message(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        if event.get("bot_id") or not event.get("user"):
            return
        channel = event["channel"]
        dm = is_dm_channel(channel, event.get("channel_type"))
        team = team_of(body, context)
        text = event.get("text", "")
        if not dm:
            # Mentions arrive as app_mention too; plain thread replies count only in a
            # thread the assistant already answered in.
            mentioned = context.bot_user_id and f"<@{context.bot_user_id}" in text
            thread_ts = event.get("thread_ts")
            if mentioned or not thread_ts:
                return
            if not is_active(get_redis(settings.redis_url), team, channel, thread_ts):
                return
        turn = SlackTurn(
            team_id=team,
            channel=channel,
            thread_ts=thread_of(event),
            user_id=event["user"],
            text=strip_bot_mention(text, context.bot_user_id),
            event_id=event_id_of(body, event),
            dm=dm,
        )
        dispatch_turn(settings, turn)

    app.event("app_mention")(on_mention)
    # Plain user messages only (no subtype); everything else is acked and ignored below.
    app.event({"type": "message", "subtype": None})(on_message)
    app.event("message")(ack_now)
