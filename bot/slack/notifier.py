"""Workflow notices into Slack: step results and approval requests in the run's thread.

Registered with `agents.notify` for the channel kinds "slack" (channel threads) and "dm".
Safe in a Celery worker: it resolves the team's token itself and queues through the same
per-channel lanes as replies.

Approval requests carry what an approver needs (`blocks.approval_blocks`), the message's
place is remembered in Redis, and eligible approvers get a DM. A decision - from a button,
`/bmad approve`, App Home, the API or the CLI - arrives as an `approval_decided` notice,
which takes the buttons off that message, names who decided, and refreshes the
decider's App Home.
"""

from __future__ import annotations

from datetime import UTC, datetime

from agents.notify import Notice
from bot.slack.approvers import approvers_group, eligible_approvers
from bot.slack.blocks import approval_blocks, decided_blocks, slack_date
from bot.slack.keys import NO_THREAD_PREFIX
from bot.slack.posting import outbound_for, post_output
from bot.slack.texts import escape, text, workflow_title
from bot.slack.threads import approval_message_key, approval_messages, dm_thread
from integrations.observability.logging import bound_context, get_logger
from integrations.redis_store import get_redis
from integrations.settings import Settings
from integrations.slack.outbound import SlackOutbound

log = get_logger(__name__)


class UnknownConversation(ValueError):
    """The conversation key is not a Slack thread or DM key."""


def thread_for(settings: Settings, conversation_key: str) -> tuple[str, str, str | None]:
    """(team, channel, thread_ts) for `T:slack:C:ts` or `T:dm:U` conversation keys."""
    team, kind, rest = [*conversation_key.split(":", 2), "", ""][:3]
    if kind == "slack" and ":" in rest:
        channel, thread_ts = rest.split(":", 1)
        return team, channel, thread_ts or None  # `T:slack:C:` = the channel itself
    if kind == "dm" and rest:
        known = dm_thread(get_redis(settings.redis_url), team, rest)
        if known:
            return team, known[0], known[1] or None
        return team, rest, None  # posting to a user id opens the DM with the app
    raise UnknownConversation(conversation_key)


class SlackNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def notify(self, notice: Notice) -> None:
        with bound_context(run_id=notice.run_id, tenant_id=notice.tenant_id):
            team, channel, thread_ts = thread_for(self.settings, notice.conversation_key)
            requester = notice.extra.get("requester") or None
            if requester and thread_ts and thread_ts.startswith(NO_THREAD_PREFIX):
                # Asked by /bmad where the bot is not a member: results go to a DM.
                channel, thread_ts = requester, None
            out = outbound_for(self.settings, team)
            if notice.kind == "approval_request":
                self._request(out, team, channel, thread_ts, notice)
            elif notice.kind == "approval_decided":
                self._decided(out, team, notice)
            else:
                # A step result is agent/model output, all of it untrusted: posted inert.
                # Other notices are rendered from our templates, which escape their values.
                body = escape(notice.text) if notice.kind == "step_result" else notice.text
                post_output(
                    out,
                    channel,
                    thread_ts,
                    body,
                    lang=notice.lang,
                    # A notify step's message speaks for itself: no "notify" header.
                    title=notice.title if notice.kind != "info" else None,
                    agent=notice.agent,
                    step=notice.step,
                    tokens=notice.tokens,
                    fallback_user=requester,
                )
            log.info("slack_notice_posted", kind=notice.kind)

    def _request(
        self, out: SlackOutbound, team: str, channel: str, thread_ts: str | None, notice: Notice
    ) -> None:
        facts = dict(notice.extra)
        title = workflow_title(facts.get("workflow", ""), notice.lang)
        blocks = approval_blocks(
            notice.text,
            run_id=notice.run_id,
            role=notice.approval_role,
            title=title,
            lang=notice.lang,
            facts=facts,
        )
        requester = facts.get("requester", "")
        group = approvers_group(self.settings, team)
        out.send(
            channel,
            text("approval_title", notice.lang, title=title),
            blocks=blocks,
            thread_ts=thread_ts,
            remember=approval_message_key(team, notice.run_id),
            fallback_user=requester or None,
            mention_group=group,
        )
        if group or notice.escalated:
            return  # the group was pinged; a reminder goes to the thread only
        dm = text(
            "approval_dm",
            notice.lang,
            requester=requester,
            title=title,
            service=facts.get("service"),
            environment=facts.get("environment"),
            run_id=notice.run_id,
        )
        for user in eligible_approvers(self.settings, team, notice.approval_role):
            if user != requester:
                out.send(user, dm)

    def _decided(self, out: SlackOutbound, team: str, notice: Notice) -> None:
        approved = notice.extra.get("approved") == "1"
        user = notice.extra.get("decided_by", "")
        at = notice.extra.get("decided_at")
        when = slack_date(datetime.fromisoformat(at) if at else datetime.now(UTC))
        if notice.extra.get("outcome") == "expired":
            line = text("decided_expired", notice.lang, when=when)
        else:
            verb = "approve" if approved else "reject"
            reason = notice.extra.get("reason", "")
            line = text(f"decided_{verb}", notice.lang, user=user, when=when, reason=reason)
        found = approval_messages(get_redis(self.settings.redis_url), team, notice.run_id)
        for message in found:  # the request and any reminder: no buttons left anywhere
            out.update(
                message["channel"],
                message["ts"],
                line,
                blocks=decided_blocks(list(message.get("blocks") or []), line),
            )
        if not found:
            log.info("slack_approval_message_unknown")
        # App Home lists approvals with buttons: refresh it for whoever could see this one.
        from bot.slack.home import publish_home

        readers = {user, *eligible_approvers(self.settings, team, notice.approval_role)}
        for reader in sorted(r for r in readers if r):
            publish_home(self.settings, team, reader)
