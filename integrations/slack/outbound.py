"""Posting to one workspace: queued per channel, retried, long texts as files.

Why a class: a reply, a notifier message and an App Home view all need the same things -
the team's lane queues, defusing of broadcast markup, the 3,000-character rule, a
fallback when the channel refuses the bot - and none of them should repeat that logic.

`send`, `update`, `ephemeral`, `respond`, `publish_home` and `upload_text` only queue
(`integrations.slack.dispatcher` sends them, paced per channel), so no caller ever waits
for another channel's turn. `post` is the one synchronous call, for the few messages whose
`ts` is needed at once (a thread's anchor); it reserves nothing and waits for nothing but
Slack's answer.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from integrations.observability.metrics import SLACK_POSTS
from integrations.observability.tracing import span
from integrations.settings import Settings
from integrations.slack.client import web_client
from integrations.slack.defuse import defuse, defuse_text
from integrations.slack.dispatcher import RESPOND, Dispatcher, OutboundJob, dispatcher_for

# Slack renders a section text up to 3,000 characters; longer outputs go into a file.
MAX_INLINE_CHARS = 3000


class SlackOutbound:
    def __init__(self, client: WebClient, dispatcher: Dispatcher, team_id: str) -> None:
        self.client = client
        self.dispatcher = dispatcher
        self.team_id = team_id

    def _queue(self, method: str, params: dict[str, Any], **job: Any) -> None:
        clean = {k: v for k, v in params.items() if v is not None}
        self.dispatcher.submit(
            OutboundJob(team_id=self.team_id, method=method, params=clean, **job)
        )

    def post(
        self,
        channel: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """chat.postMessage now; returns the message ts (raises SlackApiError)."""
        with span("bmad.slack.post", channel=channel, method="chat.postMessage"):
            try:
                response = self.client.chat_postMessage(
                    channel=channel,
                    text=defuse_text(text),
                    blocks=defuse(blocks),
                    thread_ts=thread_ts,
                )
            except Exception:
                SLACK_POSTS.labels("error").inc()
                raise
        SLACK_POSTS.labels("ok").inc()
        return str(response["ts"])

    def paused(self, channel: str) -> bool:
        """Slack told us (429) to wait before posting in `channel` again."""
        lane = OutboundJob(
            team_id=self.team_id, method="chat.postMessage", params={"channel": channel}
        )
        return self.dispatcher.lanes.paused_for(lane.lane()) > 0

    def send(
        self,
        channel: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        remember: str | None = None,
        fallback_url: str | None = None,
        fallback_user: str | None = None,
        extra: dict[str, str] | None = None,
        mention_group: str | None = None,
        once: str | None = None,
    ) -> None:
        """chat.postMessage in this channel's turn. `remember`: a Redis key that gets the
        posted message's channel, ts and blocks. `fallback_*`: where the text goes when the
        channel refuses the bot. `mention_group`: a user group id the tenant configured to
        be pinged (added after defusing, which turns every other group mention to text).
        `once`: an idempotency key - queued again under it (a retried post), nothing is sent
        twice."""
        safe_blocks = defuse(blocks)
        if mention_group:
            ping = f"<!subteam^{mention_group}>"
            safe_blocks = [*(safe_blocks or []), _context(ping)]
        self._queue(
            "chat.postMessage",
            {
                "channel": channel,
                "text": defuse_text(text),
                "blocks": safe_blocks,
                "thread_ts": thread_ts,
            },
            remember=remember,
            fallback_url=fallback_url,
            fallback_user=fallback_user,
            extra=extra or {},
            once=once,
        )

    def update(
        self, channel: str, ts: str, text: str, *, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self._queue(
            "chat.update",
            {
                "channel": channel,
                "ts": ts,
                "text": defuse_text(text),
                "blocks": defuse(blocks or []),
            },
        )

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        fallback_url: str | None = None,
    ) -> None:
        """Only `user` sees it; where the bot is not in the channel: response_url, else DM."""
        self._queue(
            "chat.postEphemeral",
            {
                "channel": channel,
                "user": user,
                "text": defuse_text(text),
                "blocks": defuse(blocks),
                "thread_ts": thread_ts,
            },
            fallback_url=fallback_url,
            fallback_user=user,
        )

    def respond(
        self,
        response_url: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        in_channel: bool = False,
        replace_original: bool | None = None,
        fallback_user: str | None = None,
        once: str | None = None,
    ) -> None:
        """Answer through a slash command's / action's response_url (Bolt's `respond`):
        works where the bot is not a member (private channels, DMs between people). Once
        Slack refuses the URL (30 minutes, 5 answers) the answer goes to `fallback_user`'s DM."""
        self._queue(
            RESPOND,
            {
                "url": response_url,
                "text": defuse_text(text),
                "blocks": defuse(blocks),
                "response_type": "in_channel" if in_channel else "ephemeral",
                "replace_original": replace_original,
            },
            fallback_user=fallback_user,
            once=once,
        )

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self._queue("views.publish", {"user_id": user, "view": defuse(view)})

    def upload_text(
        self,
        channel: str,
        content: str,
        *,
        filename: str,
        title: str,
        thread_ts: str | None = None,
        once: str | None = None,
    ) -> None:
        """files_upload_v2 (getUploadURLExternal -> upload -> completeUploadExternal), in
        the channel's post lane so it follows the message it belongs to."""
        self._queue(
            "files.upload_v2",
            {
                "channel": channel,
                "content": defuse_text(content),
                "filename": filename,
                "title": title,
                "thread_ts": thread_ts,
            },
            once=once,
        )


def _context(mrkdwn: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": mrkdwn}]}


def slack_outbound(settings: Settings, team_id: str, token: str) -> SlackOutbound:
    """The one way to build a `SlackOutbound` (web replies, notifier, webhooks, billing)."""
    return SlackOutbound(web_client(settings, token), dispatcher_for(settings), team_id)


def is_too_long(text: str) -> bool:
    return len(text) > MAX_INLINE_CHARS
