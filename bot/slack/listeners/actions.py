"""Buttons: approve / reject a run (the engine checks the clicker's role) and Yes / No
answers to a confirmation question.

A confirmation belongs to the user who was asked (named in the block id): anyone else's
click gets an ephemeral explanation and changes nothing. A refused approval click gets an
ephemeral explanation too. An accepted decision is announced by the workflow service
(`approval_decided` notice), which updates the request message and App Home the same way
for every path - button, `/bmad approve`, App Home, API, CLI.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack.blocks import (
    APPROVE_ACTION,
    CONFIRM_NO_ACTION,
    CONFIRM_YES_ACTION,
    REJECT_ACTION,
    decided_blocks,
    slack_date,
)
from bot.slack.handoff import hand_off
from bot.slack.home import publish_home
from bot.slack.posting import message_blocks, outbound_for
from bot.slack.texts import text
from bot.slack.turn import SlackTurn, run_turn
from bot.slack.workflow_calls import decide
from integrations.observability.logging import bound_context, get_logger
from integrations.settings import Settings

log = get_logger(__name__)

LANGS = ("en", "nl")


def asked_user(action: dict[str, Any]) -> str | None:
    """`confirm:<user>:<lang>` -> the user the question was put to (None: older buttons)."""
    parts = str(action.get("block_id", "")).split(":")
    if parts[0] == "confirm" and len(parts) == 3 and parts[1]:
        return parts[1]
    return None


def lang_of(action: dict[str, Any]) -> str:
    """Buttons carry their message's language in the block id (`approval:12:nl`,
    `confirm:nl`), so the decision line is written in the same language."""
    parts = str(action.get("block_id", "")).split(":")
    if parts[0] in ("approval", "confirm") and parts[-1] in LANGS:
        return parts[-1]
    return "en"


def register(app: App, settings: Settings) -> None:
    def on_decision_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
    ) -> None:
        hand_off(settings, context, "decision", {"body": body, "action": action})
        ack()

    def on_confirm_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], context: BoltContext
    ) -> None:
        hand_off(settings, context, "confirm", {"body": body, "action": action})
        ack()

    for action_id in (APPROVE_ACTION, REJECT_ACTION):
        app.action(action_id)(on_decision_click)
    for action_id in (CONFIRM_YES_ACTION, CONFIRM_NO_ACTION):
        app.action(action_id)(on_confirm_click)


def run_decision(settings: Settings, data: dict[str, Any]) -> None:
    """After the ack (a worker, or the after-ack pool): approve or reject the run."""
    body, action = data["body"], data["action"]
    verb = "approve" if action["action_id"] == APPROVE_ACTION else "reject"
    team, user = body["team"]["id"], body["user"]["id"]
    run_id = int(action["value"])
    lang = lang_of(action)
    with bound_context(run_id=run_id, tenant_id=team):
        decision = decide(settings, team, run_id, user, verb, lang)
        if decision.ok:
            # The service's approval_decided notice updates the request message and
            # App Home; a run from outside Slack (API, console) has no Slack notice,
            # so a click in App Home refreshes the clicker's view here too.
            if body["container"].get("type") == "view":
                publish_home(settings, team, user)
            return
        out = outbound_for(settings, team)
        message = body.get("message")
        channel = (body.get("channel") or {}).get("id") or body["container"].get("channel_id")
        thread = message.get("thread_ts") if message else None
        if channel:
            out.ephemeral(
                channel,
                user,
                decision.message,
                thread_ts=thread,
                fallback_url=body.get("response_url"),
            )
        else:  # clicked in App Home: tell the user in their DM with the app
            out.send(user, decision.message)


def run_confirm(settings: Settings, data: dict[str, Any]) -> None:
    """After the ack: the asked user's Yes / No becomes their answer in the conversation."""
    body, action = data["body"], data["action"]
    answer = "yes" if action["action_id"] == CONFIRM_YES_ACTION else "no"
    team, user = body["team"]["id"], body["user"]["id"]
    message = body.get("message") or {}
    channel = body["channel"]["id"]
    out = outbound_for(settings, team)
    asked = asked_user(action)
    lang = lang_of(action)
    if asked and asked != user:
        log.info("slack_confirm_refused", tenant_id=team)
        out.ephemeral(
            channel,
            user,
            text("confirm_not_yours", lang, user=asked),
            thread_ts=message.get("thread_ts"),
            fallback_url=body.get("response_url"),
        )
        return
    if not message.get("ts"):
        _confirm_ephemeral(settings, body, action, answer, lang)
        return
    thread_ts = message.get("thread_ts") or message["ts"]
    dm = body["channel"].get("name") == "directmessage" or channel.startswith("D")
    line = text(f"answered_{answer}", lang, user=user, when=slack_date(datetime.now(UTC)))
    out.update(
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
        reply_in_thread=bool(message.get("thread_ts")) or not dm,
    )
    run_turn(settings, turn)


def _confirm_ephemeral(
    settings: Settings, body: dict[str, Any], action: dict[str, Any], answer: str, lang: str
) -> None:
    """A question sent through response_url (the bot is not in the channel): the click
    has no message; the answer replaces the question and the turn answers the same way."""
    container = body.get("container") or {}
    response_url = body.get("response_url")
    thread = str(action.get("value", "")).partition(":")[2]
    if not (container.get("is_ephemeral") and response_url and thread):
        return
    team, user, channel = body["team"]["id"], body["user"]["id"], body["channel"]["id"]
    line = text(f"answered_{answer}", lang, user=user, when=slack_date(datetime.now(UTC)))
    outbound_for(settings, team).respond(response_url, line, replace_original=True)
    turn = SlackTurn(
        team_id=team,
        channel=channel,
        thread_ts=thread,
        user_id=user,
        text=answer,
        event_id=f"confirm:{channel}:{container.get('message_ts') or thread}",
        response_url=response_url,
        via_response_url=True,
    )
    run_turn(settings, turn)
