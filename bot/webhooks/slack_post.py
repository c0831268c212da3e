"""The single call through which webhook receivers post into a tenant's Slack channel."""

from __future__ import annotations

from integrations.settings import Settings
from integrations.slack.outbound import SlackOutbound


class SlackUnavailable(RuntimeError):
    """No bot token for this tenant: the workspace has not installed the app."""


def slack_outbound(settings: Settings, tenant_id: str) -> SlackOutbound:
    # Imported here: the installation store pulls in slack_sdk's SQLAlchemy store, which
    # only the paths that post to Slack need.
    from integrations.slack.installations import bot_token_for

    token = bot_token_for(settings, tenant_id)
    if not token:
        raise SlackUnavailable(tenant_id)
    from integrations.slack.outbound import slack_outbound as build

    return build(settings, tenant_id, token)


def post_to_slack(
    settings: Settings, tenant_id: str, channel: str, text: str, thread_ts: str | None = None
) -> str:
    """Post `text` (in `thread_ts` when given); returns the message ts."""
    return slack_outbound(settings, tenant_id).post(channel, text, thread_ts=thread_ts)


def thread_conversation_key(tenant_id: str, channel: str, thread_ts: str) -> str:
    """The conversation a run posted from a webhook belongs to: that Slack thread.

    Using the Slack adapter's own key means the run's notices, and the replies of people
    answering in the thread, land in the same conversation.
    """
    from bot.slack.keys import slack_conversation_key

    return slack_conversation_key(tenant_id, channel, thread_ts, "", False)
