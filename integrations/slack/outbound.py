"""Posting to one workspace: paced, retried, long texts as files.

Why a class: a reply, a notifier message and an App Home view all need the same three
things - the right bot token's client, the per-channel pace and the 3,000-character rule -
and none of them should repeat that logic.
"""

from __future__ import annotations

from typing import Any

from slack_sdk import WebClient

from integrations.slack.defuse import defuse, defuse_text
from integrations.slack.pacing import ChannelPacer

# Slack renders a section text up to 3,000 characters; longer outputs go into a file.
MAX_INLINE_CHARS = 3000


class SlackOutbound:
    def __init__(self, client: WebClient, pacer: ChannelPacer, team_id: str) -> None:
        self.client = client
        self.pacer = pacer
        self.team_id = team_id

    def post(
        self,
        channel: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> str:
        """chat.postMessage after this channel's pace slot; returns the message ts."""
        self.pacer.wait_turn(self.team_id, channel)
        response = self.client.chat_postMessage(
            channel=channel, text=defuse_text(text), blocks=defuse(blocks), thread_ts=thread_ts
        )
        return str(response["ts"])

    def update(
        self, channel: str, ts: str, text: str, *, blocks: list[dict[str, Any]] | None = None
    ) -> None:
        self.client.chat_update(
            channel=channel, ts=ts, text=defuse_text(text), blocks=defuse(blocks or [])
        )

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        *,
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> None:
        self.client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=defuse_text(text),
            blocks=defuse(blocks),
            thread_ts=thread_ts,
        )

    def publish_home(self, user: str, view: dict[str, Any]) -> None:
        self.client.views_publish(user_id=user, view=defuse(view))

    def upload_text(
        self,
        channel: str,
        content: str,
        *,
        filename: str,
        title: str,
        thread_ts: str | None = None,
    ) -> None:
        """files_upload_v2 (getUploadURLExternal -> upload -> completeUploadExternal)."""
        self.pacer.wait_turn(self.team_id, channel)
        self.client.files_upload_v2(
            channel=channel,
            content=defuse_text(content),
            filename=filename,
            title=title,
            thread_ts=thread_ts,
        )


def is_too_long(text: str) -> bool:
    return len(text) > MAX_INLINE_CHARS
