"""`/bmad`: help is answered in the ack; every other subcommand runs after it; unknown
text is a natural-language turn in a new thread (a started run gets that thread)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.background import after_ack
from bot.slack.commands import (
    COMMANDS,
    INSTANT_COMMANDS,
    CommandContext,
    help_text,
    resolve,
)
from bot.slack.posting import outbound_for
from bot.slack.texts import escape, text
from bot.slack.turn import SlackTurn, dispatch_turn
from conversations.nlu.language import detect_language
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)
COMMAND = "/bmad"


def register(app: App, settings: Settings) -> None:
    def on_command(ack: Ack, command: dict[str, Any]) -> None:
        name, _ = resolve(command.get("text", ""))
        if name in INSTANT_COMMANDS:
            ack(response_type="ephemeral", text=help_text())
            return
        ack()
        after_ack(run_command, command)

    def run_command(command: dict[str, Any]) -> None:
        raw = command.get("text", "")
        name, args = resolve(raw)
        team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
        out = outbound_for(settings, team)
        if name is not None:
            handler = COMMANDS[name]
            ctx = CommandContext(settings, team, user, channel, args)
            try:
                answer = handler(ctx)
            except Exception:
                log.exception("slack_command_failed", command=name)
                answer = text("unknown_failure")
            out.ephemeral(channel, user, answer)
            return
        # A request in words: it gets its own thread, anchored by a message quoting it.
        lang = detect_language(raw)
        anchor = out.post(channel, text("asked", lang, user=user, text=escape(raw.strip())))
        dm = command.get("channel_name") == "directmessage" or channel.startswith("D")
        turn = SlackTurn(
            team_id=team,
            channel=channel,
            thread_ts=anchor,
            user_id=user,
            text=raw.strip(),
            event_id=f"command:{command.get('trigger_id') or anchor}",
            dm=dm,
        )
        dispatch_turn(settings, turn)

    app.command(COMMAND)(on_command)
