"""Results of webhook-started runs go where the webhook asked: its Slack `channel`.

A generic webhook with `channel` promises "I will post the results here". Its conversation
(`T:webhook:<id>`) is not a Slack thread, so the channel (and, once the reply is posted,
that reply's thread) is remembered in Redis for the conversation, and this notifier -
registered for the "webhook" channel kind in `bmad serve` and `bmad worker` - posts the
run's notices there through the Slack notifier. Every notice is also in the conversation's
stream, readable at `GET /api/v1/conversations/{id}/notices?source=webhook`.
"""

from __future__ import annotations

from agents.notify import Notice, register_notifier
from integrations.observability.logging import get_logger
from integrations.redis_store import get_redis, key
from integrations.settings import Settings

log = get_logger(__name__)


def _place_key(tenant_id: str, conversation_key: str) -> str:
    local = conversation_key.split(":", 2)[-1]
    return key(tenant_id, "webhook_channel", local)


def remember_channel(
    settings: Settings,
    tenant_id: str,
    conversation_key: str,
    channel: str,
    thread_ts: str | None = None,
) -> None:
    get_redis(settings.redis_url).set(
        _place_key(tenant_id, conversation_key),
        f"{channel}:{thread_ts or ''}",
        ex=settings.conversation_ttl,
    )


def channel_of(settings: Settings, notice: Notice) -> tuple[str, str | None] | None:
    raw = get_redis(settings.redis_url).get(_place_key(notice.tenant_id, notice.conversation_key))
    if not raw:
        return None
    channel, _, thread_ts = str(raw).partition(":")
    return channel, thread_ts or None


class WebhookChannelNotifier:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def notify(self, notice: Notice) -> None:
        place = channel_of(self.settings, notice)
        if place is None:
            return  # no channel asked for: the stream (API) is where the results are
        from bot.slack.notifier import SlackNotifier

        channel, thread_ts = place
        # Posted as if the run belonged to that Slack thread (buttons included); before the
        # reply exists (a fast first step) into the channel itself.
        slack_key = f"{notice.tenant_id}:slack:{channel}:{thread_ts or ''}"
        SlackNotifier(self.settings).notify(
            notice.model_copy(update={"conversation_key": slack_key})
        )


def register_webhook_notifier(settings: Settings) -> None:
    register_notifier("webhook", WebhookChannelNotifier(settings))
