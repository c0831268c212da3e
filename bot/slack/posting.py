"""Build a `SlackOutbound` for a team, and post rendered replies/outputs through it.

The same code posts from the web process (after the ack) and from a Celery worker, so the
bot token is resolved here from settings or the installation store, never carried through
the broker.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bot.slack.blocks import Blocks, agent_output_blocks, section
from bot.slack.texts import text
from integrations.redis_store import get_redis
from integrations.settings import Settings
from integrations.slack.client import web_client
from integrations.slack.installations import bot_token_for
from integrations.slack.outbound import SlackOutbound, is_too_long
from integrations.slack.pacing import ChannelPacer


class NoBotToken(LookupError):
    """The team has no installation (uninstalled, or never installed)."""


def outbound_for(settings: Settings, team_id: str, token: str | None = None) -> SlackOutbound:
    token = token or bot_token_for(settings, team_id)
    if not token:
        raise NoBotToken(team_id)
    return SlackOutbound(web_client(settings, token), _pacer(settings.redis_url), team_id)


@lru_cache(maxsize=8)
def _pacer(redis_url: str | None) -> ChannelPacer:
    return ChannelPacer(get_redis(redis_url))


def post_output(
    out: SlackOutbound,
    channel: str,
    thread_ts: str | None,
    body: str,
    *,
    lang: str,
    title: str | None = None,
    agent: str | None = None,
    step: str | None = None,
    tokens: int = 0,
    extra_blocks: Blocks | None = None,
) -> str:
    """Post Block Kit output; over 3,000 characters the body goes up as a file with a summary."""
    long = is_too_long(body)
    shown = text("long_output", lang, chars=len(body)) if long else body
    if agent or title:
        blocks = agent_output_blocks(
            shown, title=title, agent=agent, step=step, tokens=tokens, lang=lang
        )
    else:
        blocks = [section(shown)]
    blocks.extend(extra_blocks or [])
    ts = out.post(channel, _fallback(title, shown), blocks=blocks, thread_ts=thread_ts)
    if long:
        out.upload_text(
            channel,
            body,
            filename=f"{(agent or 'bmad').lower()}-{step or 'output'}.md",
            title=title or agent or "BMAD",
            thread_ts=thread_ts or ts,
        )
    return ts


def _fallback(title: str | None, body: str) -> str:
    """The notification text (`text`) Slack shows where blocks cannot be rendered."""
    first = f"{title}: {body}" if title else body
    return first[:300]


def message_blocks(message: dict[str, Any]) -> Blocks:
    return list(message.get("blocks") or [])
