"""One Slack message as a turn of the conversation pipeline, run after the ack.

`dispatch_turn` is what a listener calls once Slack has been acknowledged: with
`BMAD_QUEUE=celery` the turn becomes a Celery task (any worker may run it; see
`bot.slack.publisher`), embedded it runs on the after-ack thread pool
(`bot.slack.background`). Either way `run_turn` builds the `Message`
(event id = Slack's `client_msg_id` or event id, so Slack retries and the same event on
another replica are deduplicated by the pipeline's shared Redis claim), runs the pipeline
and posts the reply in the thread.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, field_validator

from bot.slack.background import after_ack
from bot.slack.blocks import reply_blocks
from bot.slack.keys import slack_conversation_key
from bot.slack.posting import outbound_for, post_output
from bot.slack.tenancy import ensure_tenant
from bot.slack.texts import text
from bot.slack.threads import mark_active, remember_dm_thread
from conversations.message import Message
from conversations.reply import Reply
from integrations.observability.logging import bound_context, get_logger
from integrations.observability.metrics import SLACK_TURNS
from integrations.redis_store import get_redis
from integrations.settings import Settings

log = get_logger(__name__)

MAX_TEXT = 8000  # Message.text's limit


class SlackTurn(BaseModel):
    """What a listener hands over after the ack: plain ids and text, no tokens."""

    team_id: str = Field(min_length=1, max_length=64)
    channel: str
    thread_ts: str
    user_id: str
    text: str = Field(max_length=MAX_TEXT)
    event_id: str
    dm: bool = False

    @field_validator("text", mode="before")
    @classmethod
    def _clip(cls, value: object) -> object:
        """Slack allows far longer messages than a turn takes; keep the first part."""
        return value[:MAX_TEXT] if isinstance(value, str) else value

    @property
    def conversation_key(self) -> str:
        return slack_conversation_key(
            self.team_id, self.channel, self.thread_ts, self.user_id, self.dm
        )


def dispatch_turn(settings: Settings, turn: SlackTurn) -> None:
    if settings.queue == "celery":
        from bot.slack.publisher import publisher_for

        publisher_for(settings).submit(turn)
        return
    after_ack(run_turn, settings, turn)


def run_turn(settings: Settings, turn: SlackTurn) -> Reply | None:
    with bound_context(conversation_id=turn.conversation_key, tenant_id=turn.team_id):
        try:
            return _run(settings, turn)
        except Exception:
            log.exception("slack_turn_failed")
            SLACK_TURNS.labels("failed").inc()
            _post_failure(settings, turn)
            return None


def _run(settings: Settings, turn: SlackTurn) -> Reply | None:
    from conversations.pipeline import get_pipeline

    ensure_tenant(settings, turn.team_id)
    message = Message(
        tenant_id=turn.team_id,
        channel="dm" if turn.dm else "slack",
        conversation_key=turn.conversation_key,
        user_id=turn.user_id,
        text=turn.text,
        event_id=turn.event_id,
    )
    reply = get_pipeline(settings).handle(message)
    if reply.kind == "duplicate":
        SLACK_TURNS.labels("duplicate").inc()
        log.info("slack_turn_duplicate", event_id=turn.event_id)
        return reply
    post_reply(settings, turn, reply)
    SLACK_TURNS.labels(reply.kind).inc()
    return reply


def post_reply(settings: Settings, turn: SlackTurn, reply: Reply) -> None:
    # Remember the thread before posting: the user may answer the moment the reply shows.
    redis_client = get_redis(settings.redis_url)
    if turn.dm:
        remember_dm_thread(redis_client, turn.team_id, turn.user_id, turn.channel, turn.thread_ts)
    else:
        mark_active(redis_client, turn.team_id, turn.channel, turn.thread_ts)
    out = outbound_for(settings, turn.team_id)
    extra = reply_blocks(reply.text, kind=reply.kind, lang=reply.lang)[1:]
    post_output(out, turn.channel, turn.thread_ts, reply.text, lang=reply.lang, extra_blocks=extra)


def _post_failure(settings: Settings, turn: SlackTurn) -> None:
    try:
        outbound_for(settings, turn.team_id).post(
            turn.channel, text("unknown_failure"), thread_ts=turn.thread_ts
        )
    except Exception:
        log.exception("slack_failure_notice_failed")
