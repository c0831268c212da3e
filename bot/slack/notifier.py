"""Workflow notices into Slack: step results and approval requests in the run's thread.

Registered with `agents.notify` for the channel kinds "slack" (channel threads) and "dm".
Safe in a Celery worker: it resolves the team's token itself and posts through the same
paced, retrying outbound client as replies.
"""

from __future__ import annotations

from agents.notify import Notice
from bot.slack.blocks import approval_blocks
from bot.slack.posting import outbound_for, post_output
from bot.slack.threads import dm_thread
from integrations.observability.logging import bound_context, get_logger
from integrations.redis_store import get_redis
from integrations.settings import Settings

log = get_logger(__name__)


class UnknownConversation(ValueError):
    """The conversation key is not a Slack thread or DM key."""


def thread_for(settings: Settings, conversation_key: str) -> tuple[str, str, str | None]:
    """(team, channel, thread_ts) for `T:slack:C:ts` or `T:dm:U` conversation keys."""
    team, kind, rest = [*conversation_key.split(":", 2), "", ""][:3]
    if kind == "slack" and ":" in rest:
        channel, thread_ts = rest.split(":", 1)
        return team, channel, thread_ts
    if kind == "dm" and rest:
        known = dm_thread(get_redis(settings.redis_url), team, rest)
        if known:
            return team, known[0], known[1]
        return team, rest, None  # posting to a user id opens the DM with the app
    raise UnknownConversation(conversation_key)


class SlackNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def notify(self, notice: Notice) -> None:
        with bound_context(run_id=notice.run_id, tenant_id=notice.tenant_id):
            team, channel, thread_ts = thread_for(self.settings, notice.conversation_key)
            out = outbound_for(self.settings, team)
            if notice.kind == "approval_request":
                blocks = approval_blocks(
                    notice.text,
                    run_id=notice.run_id,
                    role=notice.approval_role,
                    title=notice.title,
                    lang=notice.lang,
                )
                out.post(
                    channel, (notice.title or notice.text)[:300], blocks=blocks, thread_ts=thread_ts
                )
            else:
                post_output(
                    out,
                    channel,
                    thread_ts,
                    notice.text,
                    lang=notice.lang,
                    title=notice.title,
                    agent=notice.agent,
                    step=notice.step,
                    tokens=notice.tokens,
                )
            log.info("slack_notice_posted", kind=notice.kind)
