"""The turn pipeline: every channel's message goes through `TurnPipeline.handle`.

dedupe (event id, SET NX) -> rate limits (user, tenant) -> per-conversation lock ->
load state -> NLU -> dialogue -> act -> save state (version-checked) -> reply. Failures
become short replies from templates; the log line carries the conversation id, the user
never sees a traceback.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from threading import Lock as ThreadLock

import redis
from redis.exceptions import LockError
from redis.lock import Lock
from sqlalchemy.exc import InterfaceError, OperationalError

from agents.workflows.service import WorkflowService
from conversations.acting import Actor
from conversations.dialogue import DialogueManager
from conversations.idempotency import claim_event, release_event
from conversations.locking import conversation_lock
from conversations.message import SLACK_CHANNELS, Message
from conversations.nlu.cascade import get_cascade
from conversations.nlu.catalog import load_catalog
from conversations.nlu.language import detect_language
from conversations.nlu.normalize import normalize_markup
from conversations.nlu.types import IntentResult
from conversations.outcome import Outcome
from conversations.privacy import forget_user
from conversations.replies import render
from conversations.reply import Reply
from conversations.state import ConversationState
from conversations.store import StateConflict, StateStore
from integrations.observability.logging import bound_context, get_logger
from integrations.observability.metrics import (
    NLU_CONFIDENCE,
    RATE_LIMITED,
    TURN_LATENCY,
    TURNS,
)
from integrations.observability.tracing import span
from integrations.rate_limit import Limited, TurnRateLimiter
from integrations.redis_store import get_redis
from integrations.settings import Settings

log = get_logger(__name__)

MAX_USERS_PER_CONVERSATION = 50
MERGE_ATTEMPTS = 3


class TurnPipeline:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.redis = get_redis(settings.redis_url)
        self.store = StateStore(self.redis, settings.conversation_ttl)
        self.rate_limiter = TurnRateLimiter(
            self.redis, settings.rate_limit_user_per_minute, settings.rate_limit_tenant_per_minute
        )
        self.catalog = load_catalog()
        self.workflows = WorkflowService(settings)
        self.actor = Actor(settings, self.catalog, self.workflows)
        self.dialogue = DialogueManager(
            self.catalog,
            self.actor,
            self._understand,
            settings.nlu_llm_threshold,
            pending_ttl_seconds=settings.pending_ttl_seconds,
        )

    def _understand(self, text: str, lang: str) -> IntentResult:
        with span("bmad.nlu") as nlu:
            result = get_cascade(self.settings).understand(text, lang=lang)
            nlu.set_attribute("bmad.intent", result.intent)
            nlu.set_attribute("bmad.nlu_source", result.source)
            return result

    def handle(self, message: Message) -> Reply:
        started = time.perf_counter()
        with (
            bound_context(
                conversation_id=message.conversation_key,
                tenant_id=message.tenant_id,
                channel=message.channel,
            ),
            span("bmad.turn", channel=message.channel, tenant=message.tenant_id) as turn,
        ):
            reply, result = self._handle(message)
            turn.set_attribute("bmad.intent", reply.intent or "none")
            turn.set_attribute("bmad.reply_kind", reply.kind)
        TURNS.labels(reply.intent or "none", reply.kind, message.channel).inc()
        TURN_LATENCY.labels(message.channel).observe(time.perf_counter() - started)
        if result is not None:
            NLU_CONFIDENCE.labels(result.source).observe(result.confidence)
        return reply

    def _handle(self, message: Message) -> tuple[Reply, IntentResult | None]:
        claimed = False
        progress = _Progress()
        try:
            claimed = claim_event(
                self.redis, message.tenant_id, message.event_id, message.claim_token
            )
            if not claimed:
                log.info("turn_duplicate", event_id=message.event_id)
                return self._reply(message, Outcome("duplicate", ""), "en"), None
            limited = self.rate_limiter.hit(message.tenant_id, message.user_id)
            if limited is not None:
                return self._rate_limited(message, limited), None
            lock = conversation_lock(self.redis, message.tenant_id, message.conversation_key)
            if not lock.acquire():
                raise LockError("timed out waiting for the conversation lock")
            try:
                return self._turn(message, progress)
            finally:
                _release_lock(lock)
        except (redis.ConnectionError, redis.TimeoutError) as err:
            log.error("turn_memory_unreachable", error=str(err))
            self._release(message, claimed and not progress.acted)
            return self._unavailable(message, "memory_down", progress), None
        except (OperationalError, InterfaceError) as err:
            log.error("turn_database_unreachable", error=type(err).__name__)
            self._release(message, claimed and not progress.acted)
            return self._unavailable(message, "error", progress), None
        except LockError as err:
            # Waited too long behind another turn of this conversation (or lost the lock).
            log.warning("turn_lock_failed", error=str(err))
            self._release(message, claimed and not progress.acted)
            return self._failure(message, "busy"), None
        except StateConflict as err:
            log.warning("turn_state_conflict", error=str(err))
            self._release(message, claimed and not progress.acted)
            return self._failure(message, "busy"), None
        except Exception:
            log.exception("turn_failed")
            self._release(message, claimed and not progress.acted)
            return self._failure(message, "error"), None

    def _turn(self, message: Message, progress: _Progress) -> tuple[Reply, IntentResult | None]:
        if message.channel in SLACK_CHANNELS:
            # Slack's wire text (<url|label>, &lt;, <@U1>): the request as the user wrote it,
            # for the dialogue and for what the agents are given.
            message = message.model_copy(update={"text": normalize_markup(message.text)})
        state = self.store.load(message.tenant_id, message.conversation_key)
        _add_user(state, message.user_id)
        outcome, result = self.dialogue.step(state, message)
        progress.acted = True
        if outcome.forget:
            self.store.delete(state.tenant_id, state.conversation_key, state.user_ids)
            forget_user(self.settings, message.tenant_id, message.user_id)
            log.info("conversation_forgotten")
        else:
            _record_turn(state, message, outcome)
            try:
                self.store.save(state)
            except StateConflict:
                self._save_over_newer(state, message, outcome)
        log.info(
            "turn_handled",
            intent=outcome.intent,
            kind=outcome.kind,
            confidence=result.confidence if result else None,
            run_ids=outcome.run_ids,
        )
        return self._reply(message, outcome, state.lang, result), result

    def _save_over_newer(
        self, state: ConversationState, message: Message, outcome: Outcome
    ) -> None:
        """Another writer saved while this turn ran (its lock had expired). This turn has
        already acted, so failing now would invite a retry that acts twice: keep the newer
        dialogue state and add this turn's facts (history, runs, language) to it."""
        log.warning("turn_state_conflict_merged")
        for _ in range(MERGE_ATTEMPTS):
            latest = self.store.load(state.tenant_id, state.conversation_key)
            latest.lang = state.lang
            _add_user(latest, message.user_id)
            _record_turn(latest, message, outcome)
            try:
                self.store.save(latest)
                state.lang = latest.lang
                return
            except StateConflict:
                continue
        raise StateConflict("state kept changing while saving")

    def _reply(
        self, message: Message, outcome: Outcome, lang: str, result: IntentResult | None = None
    ) -> Reply:
        return Reply(
            kind=outcome.kind,
            text=outcome.text,
            lang=lang,
            intent=outcome.intent,
            confidence=result.confidence if result else None,
            run_ids=outcome.run_ids,
            conversation_key=message.conversation_key,
            upgrade_url=outcome.upgrade_url,
        )

    def _failure(self, message: Message, template: str, **facts: object) -> Reply:
        lang = _guess_lang(message.text)
        return self._reply(message, Outcome("error", render(template, lang, **facts)), lang)

    def _unavailable(self, message: Message, template: str, progress: _Progress) -> Reply:
        """Redis or the database is down. Before acting nothing happened and the event id
        was released: say so (`unavailable`), so HTTP callers get 503 and retry."""
        reply = self._failure(message, template)
        reply.unavailable = not progress.acted
        return reply

    def _rate_limited(self, message: Message, limited: Limited) -> Reply:
        """Refuse the turn before it touches the conversation; the event id is released so
        the same message, sent again after `retry_after`, is handled."""
        log.info("turn_rate_limited", scope=limited.scope, retry_after=limited.retry_after)
        RATE_LIMITED.labels(limited.scope).inc()
        self._release(message, True)
        reply = self._failure(message, "rate_limited", seconds=limited.retry_after)
        reply.retry_after = limited.retry_after
        return reply

    def _release(self, message: Message, claimed: bool) -> None:
        """Let a retry of a failed turn be answered."""
        if not claimed:
            return
        try:
            release_event(self.redis, message.tenant_id, message.event_id)
        except redis.RedisError:
            log.warning("turn_release_failed", event_id=message.event_id)


@dataclass
class _Progress:
    """How far a turn got: after acting, a failed turn's event id stays claimed."""

    acted: bool = False


def _add_user(state: ConversationState, user_id: str) -> None:
    if user_id not in state.user_ids:
        state.user_ids = [*state.user_ids, user_id][-MAX_USERS_PER_CONVERSATION:]


def _record_turn(state: ConversationState, message: Message, outcome: Outcome) -> None:
    state.remember("user", message.text, outcome.intent)
    state.remember("assistant", outcome.text, outcome.intent)
    state.turn_count += 1
    for run_id in outcome.run_ids:
        if outcome.kind == "started":
            state.add_run(run_id)


def _release_lock(lock: Lock) -> None:
    try:
        lock.release()
    except LockError:
        # The turn outlived the lock timeout; the version check guarded the save.
        log.warning("turn_lock_expired")


def _guess_lang(text: str) -> str:
    """Language for failure replies, when the conversation's language cannot be loaded."""
    try:
        return detect_language(text, None)
    except Exception:
        return "en"


_pipelines: dict[int, tuple[Settings, TurnPipeline]] = {}
_pipelines_lock = ThreadLock()


def get_pipeline(settings: Settings) -> TurnPipeline:
    """The process-wide pipeline for these settings (built once, shared by threads)."""
    with _pipelines_lock:
        cached = _pipelines.get(id(settings))
        if cached is None or cached[0] is not settings:
            cached = (settings, TurnPipeline(settings))
            _pipelines[id(settings)] = cached
        return cached[1]
