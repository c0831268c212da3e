"""Messages that become turns: @mentions in channels, direct messages, and replies in a
channel thread the assistant is already part of. Edits, joins, bot messages and other
message subtypes are acknowledged and ignored - except `file_share`: a shared file is part
of the request (`bot.slack.files`).

A top-level DM is answered top-level (a thread only when the user writes in one); a
channel message is always answered in its thread.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack.files import SlackFile
from bot.slack.handoff import hand_off
from bot.slack.keys import is_dm_channel, thread_of
from bot.slack.listeners.acks import ack_now
from bot.slack.turn import SlackTurn
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


MAX_FILES = 10


def files_of(event: dict[str, Any]) -> list[SlackFile]:
    return [SlackFile.from_event(f) for f in (event.get("files") or [])[:MAX_FILES]]


def team_of(body: dict[str, Any], context: BoltContext) -> str:
    return str(context.team_id or body.get("team_id"))


def register(app: App, settings: Settings) -> None:
    def on_mention(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        if event.get("bot_id") or not event.get("user"):
            ack()
            return
        turn = SlackTurn(
            team_id=team_of(body, context),
            channel=event["channel"],
            thread_ts=thread_of(event),
            user_id=event["user"],
            text=strip_bot_mention(event.get("text", ""), context.bot_user_id),
            event_id=event_id_of(body, event),
            dm=False,
            files=files_of(event),
        )
        hand_off(settings, context, "turn", turn.model_dump(mode="json"))
        ack()

    def on_message(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        if event.get("bot_id") or not event.get("user"):
            ack()
            return
        channel = event["channel"]
        dm = is_dm_channel(channel, event.get("channel_type"))
        team = team_of(body, context)
        text = event.get("text", "")
        if not dm:
            # Mentions arrive as app_mention too; plain thread replies count only in a
            # thread the assistant already answered in (the worker checks that).
            mentioned = context.bot_user_id and f"<@{context.bot_user_id}" in text
            if mentioned or not event.get("thread_ts"):
                ack()
                return
        turn = SlackTurn(
            team_id=team,
            channel=channel,
            thread_ts=thread_of(event),
            user_id=event["user"],
            text=strip_bot_mention(text, context.bot_user_id),
            event_id=event_id_of(body, event),
            dm=dm,
            only_in_active_thread=not dm,
            reply_in_thread=not dm or bool(event.get("thread_ts")),
            files=files_of(event),
        )
        hand_off(settings, context, "turn", turn.model_dump(mode="json"))
        ack()

    app.event("app_mention")(on_mention)
    # Plain user messages and shared files; everything else is acked and ignored below.
    app.event({"type": "message", "subtype": None})(on_message)
    app.event({"type": "message", "subtype": "file_share"})(on_message)
    app.event("message")(ack_now)
