"""Build a `SlackOutbound` for a team, and post rendered replies/outputs through it.

The same code posts from the web process (after the ack) and from a Celery worker, so the
bot token is resolved here from settings or the installation store, never carried through
the broker.
"""

from __future__ import annotations

from typing import Any

from bot.slack.blocks import Blocks, agent_output_blocks, section
from bot.slack.texts import text
from integrations.settings import Settings
from integrations.slack.installations import bot_token_for
from integrations.slack.outbound import SlackOutbound, is_too_long, slack_outbound


class NoBotToken(LookupError):
    """The team has no installation (uninstalled, or never installed)."""


def outbound_for(settings: Settings, team_id: str, token: str | None = None) -> SlackOutbound:
    token = token or bot_token_for(settings, team_id)
    if not token:
        raise NoBotToken(team_id)
    return slack_outbound(settings, team_id, token)


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
    fallback_url: str | None = None,
    fallback_user: str | None = None,
    once: str | None = None,
) -> None:
    """Queue Block Kit output; over 3,000 characters the body goes up as a file (right
    after the message, same lane) with a summary. `fallback_*`: where it goes when the
    channel refuses the bot (a slash command's response_url, else the user's DM).
    `once`: an idempotency key for a post that may be retried (message and file each)."""
    long = is_too_long(body)
    shown = text("long_output", lang, chars=len(body)) if long else body
    if agent or title:
        blocks = agent_output_blocks(
            shown, title=title, agent=agent, step=step, tokens=tokens, lang=lang
        )
    else:
        blocks = [section(shown)]
    blocks.extend(extra_blocks or [])
    out.send(
        channel,
        _fallback(title, shown),
        blocks=blocks,
        thread_ts=thread_ts,
        fallback_url=fallback_url,
        fallback_user=fallback_user,
        once=once and f"{once}:message",
    )
    if long:
        out.upload_text(
            channel,
            body,
            filename=f"{(agent or 'bmad').lower()}-{step or 'output'}.md",
            title=title or agent or "BMAD",
            thread_ts=thread_ts,
            once=once and f"{once}:file",
        )


def _fallback(title: str | None, body: str) -> str:
    """The notification text (`text`) Slack shows where blocks cannot be rendered."""
    first = f"{title}: {body}" if title else body
    return first[:300]


def message_blocks(message: dict[str, Any]) -> Blocks:
    return list(message.get("blocks") or [])
