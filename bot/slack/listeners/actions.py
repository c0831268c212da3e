"""Buttons: approve / reject a run (the engine checks the clicker's role) and Yes / No
answers to a confirmation question. After a decision the message is updated to show who
decided and when; a refused click gets an ephemeral explanation and changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App

from bot.slack.background import after_ack
from bot.slack.blocks import (
    APPROVE_ACTION,
    CONFIRM_NO_ACTION,
    CONFIRM_YES_ACTION,
    REJECT_ACTION,
    decided_blocks,
    slack_date,
)
from bot.slack.home import publish_home
from bot.slack.posting import message_blocks, outbound_for
from bot.slack.texts import text
from bot.slack.turn import SlackTurn, dispatch_turn
from bot.slack.workflow_calls import decide
from integrations.observability.logging import bound_context, get_logger
from integrations.settings import Settings

log = get_logger(__name__)

LANGS = ("en", "nl")


def lang_of(action: dict[str, Any]) -> str:
    """Buttons carry their message's language in the block id (`approval:12:nl`,
    `confirm:nl`), so the decision line is written in the same language."""
    parts = str(action.get("block_id", "")).split(":")
    if parts[0] in ("approval", "confirm") and parts[-1] in LANGS:
        return parts[-1]
    return "en"


def register(app: App, settings: Settings) -> None:
    def on_decision(body: dict[str, Any], action: dict[str, Any]) -> None:
        verb = "approve" if action["action_id"] == APPROVE_ACTION else "reject"
        team, user = body["team"]["id"], body["user"]["id"]
        run_id = int(action["value"])
        lang = lang_of(action)
        with bound_context(run_id=run_id, tenant_id=team):
            decision = decide(settings, team, run_id, user, verb, lang)
            out = outbound_for(settings, team)
            message = body.get("message")
            channel = (body.get("channel") or {}).get("id") or body["container"].get("channel_id")
            if not decision.ok:
                thread = message.get("thread_ts") if message else None
                if channel:
                    out.ephemeral(channel, user, decision.message, thread_ts=thread)
                else:  # clicked in App Home: tell the user in their DM with the app
                    out.post(user, decision.message)
                return
            line = text(f"decided_{verb}", lang, user=user, when=slack_date(decision.decided_at))
            if message and channel:
                out.update(
                    channel,
                    message["ts"],
                    decision.message,
                    blocks=decided_blocks(message_blocks(message), line),
                )
            if body["container"].get("type") == "view":
                publish_home(settings, team, user)

    def on_confirm(body: dict[str, Any], action: dict[str, Any]) -> None:
        answer = "yes" if action["action_id"] == CONFIRM_YES_ACTION else "no"
        team, user = body["team"]["id"], body["user"]["id"]
        message = body["message"]
        channel = body["channel"]["id"]
        thread_ts = message.get("thread_ts") or message["ts"]
        dm = body["channel"].get("name") == "directmessage" or channel.startswith("D")
        line = text(
            f"answered_{answer}", lang_of(action), user=user, when=slack_date(datetime.now(UTC))
        )
        outbound_for(settings, team).update(
            channel,
            message["ts"],
            message.get("text", ""),
            blocks=decided_blocks(message_blocks(message), line),
        )
        turn = SlackTurn(
            team_id=team,
            channel=channel,
            thread_ts=thread_ts,
            user_id=user,
            text=answer,
            # One answer per question, however often (or by how many) it is clicked.
            event_id=f"confirm:{channel}:{message['ts']}",
            dm=dm,
        )
        dispatch_turn(settings, turn)

    def on_decision_click(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        after_ack(on_decision, body, action)

    def on_confirm_click(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        after_ack(on_confirm, body, action)

    for action_id in (APPROVE_ACTION, REJECT_ACTION):
        app.action(action_id)(on_decision_click)
    for action_id in (CONFIRM_YES_ACTION, CONFIRM_NO_ACTION):
        app.action(action_id)(on_confirm_click)
