"""One Slack message as a turn of the conversation pipeline, run after the ack.

Listeners hand a turn off as a `turn` job (`bot.slack.handoff`): with `BMAD_QUEUE=celery`
it becomes a Celery task on the turn queue, confirmed by the broker before Slack gets its
ack; embedded it runs on the after-ack thread pool. Either way `run_turn` builds the `Message`
(event id = Slack's `client_msg_id` or event id, so Slack retries and the same event on
another replica are deduplicated by the pipeline's shared Redis claim), runs the pipeline
and posts the reply in the thread.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, field_validator

from bot.outage import OUTAGE_ERRORS
from bot.slack.blocks import reply_blocks
from bot.slack.files import SlackFile, request_with_files
from bot.slack.keys import slack_conversation_key
from bot.slack.posting import outbound_for, post_output
from bot.slack.tenancy import ensure_tenant
from bot.slack.texts import text
from bot.slack.threads import is_active, mark_active, remember_dm_thread
from conversations.message import MAX_MESSAGE_CHARS, Message
from conversations.reply import Reply
from integrations.backoff import call_outlasting
from integrations.observability.logging import bound_context, get_logger
from integrations.observability.metrics import SLACK_TURNS
from integrations.observability.tracing import attached, current_trace_context
from integrations.redis_store import get_redis
from integrations.settings import Settings
from integrations.slack.profiles import refresh_profile_email

log = get_logger(__name__)

MAX_TEXT = MAX_MESSAGE_CHARS  # Message.text's limit
POST_RETRY_SECONDS = 60.0


class SlackTurn(BaseModel):
    """What a listener hands over after the ack: plain ids and text, no tokens."""

    team_id: str = Field(min_length=1, max_length=64)
    channel: str
    thread_ts: str
    user_id: str
    text: str = Field(max_length=MAX_TEXT)
    event_id: str
    dm: bool = False
    # A plain reply in a channel thread: a turn only if the assistant is part of that thread
    # (checked by the worker, so the ack path reads nothing from Redis).
    only_in_active_thread: bool = False
    # False for a top-level DM: the answer is a top-level message too (no fragmented DMs).
    reply_in_thread: bool = True
    # A slash command's response_url: the answer's way in where the bot is not a member.
    response_url: str | None = None
    # Answer through response_url only (the channel already refused the bot).
    via_response_url: bool = False
    # Files shared with the message (file_share): read into the text after the ack.
    files: list[SlackFile] = Field(default_factory=list, max_length=10)
    # The trace of the Slack request (W3C headers), so the turn continues it on a worker
    # even when the publisher batches several turns into one Celery message.
    trace_context: dict[str, str] = Field(default_factory=current_trace_context)
    # Set by the worker per job execution (see `conversations.message.Message.claim_token`).
    claim_token: str | None = None

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


def run_turn_job(settings: Settings, data: dict[str, Any]) -> Reply | None:
    turn = SlackTurn.model_validate(data)
    if turn.only_in_active_thread and not is_active(
        get_redis(settings.redis_url), turn.team_id, turn.channel, turn.thread_ts
    ):
        return None
    return run_turn(settings, turn)


class TurnUnavailable(RuntimeError):
    """Redis or the database was unreachable: the Celery job is retried (with backoff)
    instead of answering "try again later" to a message Slack was told we have.
    `before_acting`: nothing was done yet, the same execution may run the turn again."""

    def __init__(self, reason: str, *, before_acting: bool) -> None:
        super().__init__(reason)
        self.before_acting = before_acting


def run_turn(settings: Settings, turn: SlackTurn) -> Reply | None:
    with (
        attached(turn.trace_context),
        bound_context(conversation_id=turn.conversation_key, tenant_id=turn.team_id),
    ):
        try:
            return _run(settings, turn)
        except TurnUnavailable:
            if settings.queue == "celery":  # a worker: the job is retried, not dropped
                log.warning("slack_turn_retried", before_acting=True)
                raise
            SLACK_TURNS.labels("failed").inc()
            _post_failure(settings, turn)
            return None
        except OUTAGE_ERRORS as err:
            if settings.queue == "celery":
                log.warning("slack_turn_retried", error=type(err).__name__)
                raise TurnUnavailable(type(err).__name__, before_acting=False) from err
            log.exception("slack_turn_failed")
            SLACK_TURNS.labels("failed").inc()
            _post_failure(settings, turn)
            return None
        except Exception:
            log.exception("slack_turn_failed")
            SLACK_TURNS.labels("failed").inc()
            _post_failure(settings, turn)
            return None


def _run(settings: Settings, turn: SlackTurn) -> Reply | None:
    from conversations.pipeline import get_pipeline

    ensure_tenant(settings, turn.team_id)
    _refresh_email(settings, turn)
    body = turn.text
    if turn.files:
        body = _with_files(settings, turn)
        if not body.strip():
            return None
    message = Message(
        tenant_id=turn.team_id,
        channel="dm" if turn.dm else "slack",
        conversation_key=turn.conversation_key,
        user_id=turn.user_id,
        text=body,
        event_id=turn.event_id,
        claim_token=turn.claim_token,
    )
    reply = get_pipeline(settings).handle(message)
    if reply.unavailable and settings.queue == "celery":
        raise TurnUnavailable("conversation memory or database unreachable", before_acting=True)
    if reply.kind == "duplicate":
        SLACK_TURNS.labels("duplicate").inc()
        log.info("slack_turn_duplicate", event_id=turn.event_id)
        return reply
    _deliver(settings, turn, reply)
    SLACK_TURNS.labels(reply.kind).inc()
    return reply


def _with_files(settings: Settings, turn: SlackTurn) -> str:
    """The turn's text with its readable files; each file that cannot be read gets a
    clear reply (which kinds of file are read, and what to do instead)."""
    from integrations.slack.installations import bot_token_for

    token = bot_token_for(settings, turn.team_id) or ""
    body, refused = request_with_files(settings, token, turn.text, turn.files, MAX_TEXT)
    if refused:
        from conversations.nlu.language import detect_language

        lang = detect_language(turn.text) if turn.text.strip() else "en"
        out = outbound_for(settings, turn.team_id)
        limit = settings.slack_file_max_bytes // 1000
        for item in refused:
            out.send(
                turn.channel,
                text(item.reason, lang, name=item.name, limit=limit),
                thread_ts=reply_thread(turn),
                fallback_user=turn.user_id,
            )
    return body


def reply_thread(turn: SlackTurn) -> str | None:
    return turn.thread_ts if turn.reply_in_thread else None


def _refresh_email(settings: Settings, turn: SlackTurn) -> None:
    """The user's profile email (for approval and other emails); never fails a turn."""
    try:
        refresh_profile_email(settings, turn.team_id, turn.user_id)
    except Exception:
        log.warning("slack_profile_refresh_failed", exc_info=True)


def _deliver(settings: Settings, turn: SlackTurn, reply: Reply) -> None:
    """The turn is done (it may have acted): only posting is retried through a short Redis
    outage (thread marks and pacing live there), never the turn itself."""
    call_outlasting(
        lambda: post_reply(settings, turn, reply),
        OUTAGE_ERRORS,
        within=POST_RETRY_SECONDS if settings.queue == "celery" else 0.0,
        event="slack_reply_post_retry",
    )


def post_reply(settings: Settings, turn: SlackTurn, reply: Reply) -> None:
    # Remember the thread before posting: the user may answer the moment the reply shows.
    redis_client = get_redis(settings.redis_url)
    thread = reply_thread(turn)
    if turn.dm:
        remember_dm_thread(redis_client, turn.team_id, turn.user_id, turn.channel, thread or "")
    elif not turn.via_response_url:
        mark_active(redis_client, turn.team_id, turn.channel, turn.thread_ts)
    out = outbound_for(settings, turn.team_id)
    blocks = reply_blocks(
        reply.text, kind=reply.kind, lang=reply.lang, asked=turn.user_id, thread=turn.thread_ts
    )
    once = f"{turn.event_id}:reply"  # `_deliver` may retry this post: queued once
    if turn.via_response_url and turn.response_url:
        out.respond(
            turn.response_url, reply.text, blocks=blocks, fallback_user=turn.user_id, once=once
        )
        return
    post_output(
        out,
        turn.channel,
        thread,
        reply.text,
        lang=reply.lang,
        extra_blocks=blocks[1:],
        fallback_url=turn.response_url,
        fallback_user=turn.user_id,
        once=once,
    )


def _post_failure(settings: Settings, turn: SlackTurn) -> None:
    """A turn that failed after the ack still ends in a short message to the user."""
    try:
        out = outbound_for(settings, turn.team_id)
        if turn.via_response_url and turn.response_url:
            out.respond(turn.response_url, text("unknown_failure"), fallback_user=turn.user_id)
            return
        out.send(
            turn.channel,
            text("unknown_failure"),
            thread_ts=reply_thread(turn),
            fallback_url=turn.response_url,
            fallback_user=turn.user_id,
        )
    except Exception:
        log.exception("slack_failure_notice_failed")
