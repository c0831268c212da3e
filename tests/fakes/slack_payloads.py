"""Slack request bodies in Slack's documented shapes, for signed requests in tests.

- Events API: `event_callback` envelopes (app_mention, message.im, app_home_opened, ...)
  and `url_verification`.
- Slash commands: `application/x-www-form-urlencoded` bodies.
- Interactivity: `block_actions`, form-encoded as `payload=<json>`.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

APP_ID = "AFAKE00001"
BOT_USER = "UBOT00001"
_seq = itertools.count(1)


def new_ts() -> str:
    return f"{int(time.time())}.{next(_seq):06d}"


def url_verification(challenge: str) -> str:
    return json.dumps({"token": "legacy-token", "challenge": challenge, "type": "url_verification"})


def event_callback(team_id: str, event: dict[str, Any], event_id: str | None = None) -> str:
    return json.dumps(
        {
            "token": "legacy-token",
            "team_id": team_id,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(time.time()),
            "authorizations": [
                {
                    "enterprise_id": None,
                    "team_id": team_id,
                    "user_id": BOT_USER,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-{uuid.uuid4().hex}",
        }
    )


def app_mention(
    user: str, channel: str, text: str, *, ts: str | None = None, thread_ts: str | None = None
) -> dict[str, Any]:
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "app_mention",
        "client_msg_id": str(uuid.uuid4()),
        "text": f"<@{BOT_USER}> {text}",
        "user": user,
        "ts": ts,
        "team": "",
        "channel": channel,
        "event_ts": ts,
    }
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def message(
    user: str,
    channel: str,
    text: str,
    *,
    channel_type: str = "im",
    ts: str | None = None,
    thread_ts: str | None = None,
    subtype: str | None = None,
    bot_id: str | None = None,
) -> dict[str, Any]:
    ts = ts or new_ts()
    event: dict[str, Any] = {
        "type": "message",
        "text": text,
        "user": user,
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
        "channel_type": channel_type,
    }
    if subtype is None and bot_id is None:
        event["client_msg_id"] = str(uuid.uuid4())
    if subtype:
        event["subtype"] = subtype
    if bot_id:
        event["bot_id"] = bot_id
    if thread_ts:
        event["thread_ts"] = thread_ts
    return event


def file_share(
    user: str, channel: str, text: str, files: list[dict[str, Any]], *, channel_type: str = "im"
) -> dict[str, Any]:
    """A message with shared files, as Slack sends it (subtype file_share)."""
    event = message(user, channel, text, channel_type=channel_type)
    event["subtype"] = "file_share"
    event["client_msg_id"] = str(uuid.uuid4())
    event["files"] = files
    event["upload"] = False
    return event


def app_home_opened(user: str) -> dict[str, Any]:
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": f"D{user[1:]}",
        "tab": "home",
        "event_ts": new_ts(),
    }


def slash_command(
    team_id: str,
    user: str,
    channel: str,
    text: str,
    response_url: str = "https://hooks.slack.invalid/commands/1/2/3",
) -> str:
    return urlencode(
        {
            "token": "legacy-token",
            "team_id": team_id,
            "team_domain": "fake",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/bmad",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{next(_seq)}.{uuid.uuid4().hex[:12]}",
        }
    )


def block_actions(
    team_id: str,
    user: str,
    channel: str,
    message: dict[str, Any],
    action: dict[str, Any],
) -> str:
    payload = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": team_id},
        "api_app_id": APP_ID,
        "token": "legacy-token",
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{next(_seq)}.{uuid.uuid4().hex[:12]}",
        "team": {"id": team_id, "domain": "fake"},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {
            "id": channel,
            "name": "directmessage" if channel.startswith("D") else "general",
        },
        "message": message,
        "state": {"values": {}},
        "response_url": "https://hooks.slack.invalid/actions/1/2/3",
        "actions": [{**action, "action_ts": new_ts()}],
    }
    return urlencode({"payload": json.dumps(payload)})


def button_action(block: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The action Slack sends for a click on the button `action_id` inside `block`."""
    for element in block.get("elements", []):
        if element.get("action_id") == action_id:
            return {
                "action_id": action_id,
                "block_id": block.get("block_id", "b"),
                "text": element["text"],
                "value": element.get("value", ""),
                "type": "button",
            }
    raise KeyError(action_id)


def posted_message(params: dict[str, Any], ts: str) -> dict[str, Any]:
    """The message object Slack puts in a block_actions payload for a message the app
    posted with chat.postMessage `params` (answered with `ts`)."""
    blocks = params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    message: dict[str, Any] = {
        "type": "message",
        "subtype": "bot_message",
        "user": BOT_USER,
        "bot_id": "BBOT00001",
        "app_id": APP_ID,
        "text": params.get("text", ""),
        "blocks": blocks,
        "ts": ts,
    }
    if params.get("thread_ts"):
        message["thread_ts"] = params["thread_ts"]
    return message


def actions_block(message: dict[str, Any], action_id: str) -> dict[str, Any]:
    """The actions block of `message` that holds the button `action_id`."""
    for block in message["blocks"]:
        if block.get("type") == "actions" and any(
            e.get("action_id") == action_id for e in block.get("elements", [])
        ):
            return block
    raise KeyError(action_id)
