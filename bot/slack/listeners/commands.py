"""`/bmad`: help is answered in the ack; every other subcommand runs after it; unknown
text is a natural-language turn in a new thread (a started run gets that thread).

Answers go through the command's response_url (what Bolt's `respond` uses), so they
reach the user where the bot is not a member - private channels, DMs between people.
A request in words is anchored by a message in the channel and answered in its thread;
when the channel refuses the bot, the whole conversation goes through response_url.
Either way the user is told where the answer will appear."""

from __future__ import annotations

import uuid
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk.errors import SlackApiError

from bot.slack.commands import (
    COMMANDS,
    INSTANT_COMMANDS,
    CommandContext,
    help_text,
    resolve,
)
from bot.slack.handoff import hand_off
from bot.slack.keys import NO_THREAD_PREFIX
from bot.slack.posting import outbound_for
from bot.slack.tenancy import ensure_tenant
from bot.slack.texts import text
from bot.slack.turn import SlackTurn, run_turn
from conversations.nlu.language import detect_language
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.dispatcher import CHANNEL_ERRORS
from integrations.slack.outbound import SlackOutbound, slack_outbound

log = get_logger(__name__)
COMMAND = "/bmad"


def register(app: App, settings: Settings) -> None:
    def on_command(ack: Ack, command: dict[str, Any], context: BoltContext) -> None:
        name, _ = resolve(command.get("text", ""))
        if name in INSTANT_COMMANDS:
            ack(response_type="ephemeral", text=help_text())
            return
        hand_off(settings, context, "command", dict(command))
        ack()

    app.command(COMMAND)(on_command)


def run_command(settings: Settings, command: dict[str, Any]) -> None:
    """After the ack (a worker, or the after-ack pool): answer the subcommand. Whatever
    fails still ends in a short answer to the user."""
    try:
        _run_command(settings, command)
    except Exception:
        log.exception("slack_command_failed", command="request")
        url = command.get("response_url")
        if url:  # response_url needs no bot token: works even for an uninstalled team
            out = slack_outbound(settings, command["team_id"], "")
            out.respond(url, text("unknown_failure"), fallback_user=None)


def _run_command(settings: Settings, command: dict[str, Any]) -> None:
    raw = command.get("text", "")
    name, args = resolve(raw)
    team, user, channel = command["team_id"], command["user_id"], command["channel_id"]
    response_url = command.get("response_url") or None
    out = outbound_for(settings, team)
    if name is not None:
        try:
            ensure_tenant(settings, team)  # a command may be a workspace's first action
            answer = COMMANDS[name](CommandContext(settings, team, user, channel, args))
        except Exception:
            log.exception("slack_command_failed", command=name)
            answer = text("unknown_failure")
        _answer(out, command, answer)
        return
    # A request in words: it gets its own thread, anchored by a message quoting it.
    lang = detect_language(raw)
    trigger = str(command.get("trigger_id") or "")
    try:
        if response_url and out.paused(channel):  # Retry-After: not even the anchor
            raise SlackApiError("paused", {"ok": False, "error": "ratelimited"})
        anchor = out.post(channel, text("asked", lang, user=user, text=raw.strip()))
        via_response_url, where = False, "slash_results_in_thread"
    except SlackApiError as err:
        error = str(err.response.get("error"))
        if error not in {*CHANNEL_ERRORS, "ratelimited"} or not response_url:
            raise
        anchor = f"{NO_THREAD_PREFIX}{trigger or uuid.uuid4().hex}"
        via_response_url = True
        where = "slash_results_busy" if error == "ratelimited" else "slash_results_here"
    _answer(out, command, text(where, lang))
    dm = command.get("channel_name") == "directmessage" or channel.startswith("D")
    turn = SlackTurn(
        team_id=team,
        channel=channel,
        thread_ts=anchor,
        user_id=user,
        text=raw.strip(),
        event_id=f"command:{trigger or anchor}",
        dm=dm and not via_response_url,
        response_url=response_url,
        via_response_url=via_response_url,
    )
    run_turn(settings, turn)


def _answer(out: SlackOutbound, command: dict[str, Any], answer: str) -> None:
    """Ephemeral, through response_url when Slack gave one (it works everywhere)."""
    response_url = command.get("response_url")
    if response_url:
        out.respond(response_url, answer, fallback_user=command["user_id"])
    else:
        out.ephemeral(command["channel_id"], command["user_id"], answer)
