"""Sends queued outbound Slack calls (`integrations.slack.lanes`) without blocking anyone.

One daemon thread per process claims the due head of every lane and hands each call to a
small sender pool of its own, so a slow or paced channel never holds a thread that other
work needs (the after-ack pool and Celery slots only enqueue). Every process that posts
runs one; any of them may send any team's job (the token is resolved here, never queued).

What a failed call becomes:
- 429: the job goes back to its lane's head and the lane pauses for Retry-After (Redis,
  so every process waits; other channels and methods keep going);
- invalid_auth / token_revoked / account_inactive: the installation is reloaded once
  (another process may have stored a new token) and the call retried with it;
- not_in_channel / channel_not_found: the answer goes through the command's response_url
  or, without one, to the user's DM with the app - never silently dropped;
- anything else is logged (no user text, no token) and retried a few times.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import redis
from pydantic import BaseModel, Field
from slack_bolt.context.respond import Respond
from slack_sdk.errors import SlackApiError

from integrations.backoff import call_outlasting
from integrations.observability.logging import get_logger
from integrations.observability.metrics import SLACK_PACING_WAIT, SLACK_POSTS, SLACK_QUEUE_DEPTH
from integrations.observability.tracing import attached, current_trace_context, span
from integrations.redis_store import get_redis
from integrations.settings import Settings
from integrations.slack.client import web_client
from integrations.slack.lanes import Claimed, Lane, OutboundLanes

log = get_logger(__name__)

RESPOND = "response_url"
POST_METHODS = frozenset({"chat.postMessage", "files.upload_v2"})
AUTH_ERRORS = frozenset({"invalid_auth", "token_revoked", "account_inactive", "not_authed"})
CHANNEL_ERRORS = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
MAX_ATTEMPTS = 3
RETRY_SECONDS = 2.0
REMEMBER_SECONDS = 30 * 24 * 3600
SENDERS = 8
IDLE_WAIT = 0.25
FLUSH_SECONDS = 10.0
FLUSH_PACE_WAIT = 1.5
REAP_SECONDS = 5.0
REDIS_DOWN_WAIT = 2.0
RELEASE_RETRY_SECONDS = 60.0  # well inside the lease (lanes.LEASE_MS): nobody reaps it first


class ResponseUrlGone(Exception):
    """Slack no longer accepts answers on this response_url (expired or used up)."""


class OutboundJob(BaseModel):
    """One Web API call (or response_url answer), as queued. Never holds a token."""

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    queued_at: float = Field(default_factory=time.time)
    team_id: str
    method: str  # "chat.postMessage", "chat.update", ..., "files.upload_v2" or RESPOND
    params: dict[str, Any]
    # After a successful post: append {channel, ts, text, blocks} to this Redis list
    # (approval requests and their reminders are updated later, from whichever process
    # records the decision).
    remember: str | None = None
    # Where the answer goes when the channel refuses it (bot not a member).
    fallback_url: str | None = None
    fallback_user: str | None = None
    # Idempotency key: a job queued again under the same key (a retried post) is dropped.
    once: str | None = None
    attempts: int = 0
    reauthed: bool = False
    extra: dict[str, str] = Field(default_factory=dict)
    # The trace of whoever queued the call (W3C headers), so its Slack post continues the
    # turn's trace from the dispatcher thread (and from any process that sends it).
    trace_context: dict[str, str] = Field(default_factory=current_trace_context)

    def lane(self) -> Lane:
        if self.method == RESPOND:
            digest = hashlib.sha256(str(self.params.get("url")).encode()).hexdigest()[:16]
            return Lane(self.team_id, "respond", digest)
        target = str(
            self.params.get("channel")
            or self.params.get("channel_id")
            or self.params.get("user_id")
            or "-"
        )
        kind = "post" if self.method in POST_METHODS else self.method.replace(".", "_")
        return Lane(self.team_id, kind, target)


class Dispatcher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        scope = hashlib.sha256(settings.slack_api_url.encode()).hexdigest()[:12]
        self.lanes = OutboundLanes(get_redis(settings.redis_url), scope)
        self._wake = threading.Event()
        self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="bmad-slack-send")
        self._pid: int | None = None
        self._lock = threading.Lock()
        self._in_flight = 0
        self._idle = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None

    # -- producing ------------------------------------------------------------------------
    def submit(self, job: OutboundJob) -> None:
        lane = job.lane()
        if self.lanes.enqueue(lane, job.model_dump_json(), job.once) is None:
            log.info("slack_job_already_queued", method=job.method)
            return
        self._report_depth(job, lane)
        self.ensure_running()
        self._wake.set()

    def ensure_running(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:  # (re)start after a fork: threads do not survive it
            if self._pid != os.getpid():
                self._pid = os.getpid()
                self._senders = ThreadPoolExecutor(SENDERS, thread_name_prefix="bmad-slack-send")
                self._thread = threading.Thread(
                    target=self._run, name="bmad-slack-dispatch", daemon=True
                )
                self._thread.start()

    # -- the loop -------------------------------------------------------------------------
    def _run(self) -> None:
        next_reap = 0.0
        while not self._stopping:
            if time.monotonic() >= next_reap:  # jobs of a process that died mid-send
                next_reap = time.monotonic() + REAP_SECONDS
                try:
                    if reaped := self.lanes.reap():
                        log.warning("slack_jobs_recovered", count=reaped)
                except Exception:
                    log.exception("slack_dispatch_reap_failed")
            try:
                claimed = self.lanes.claim()
            except Exception:
                log.warning("slack_dispatch_claim_failed", exc_info=True)
                claimed = []
                time.sleep(REDIS_DOWN_WAIT)  # Redis away: try again without flooding logs
            for i, item in enumerate(claimed):
                with self._idle:
                    self._in_flight += 1
                try:
                    self._senders.submit(self._send_guarded, item)
                except RuntimeError:  # interpreter exit: the pool is gone, flush() sends
                    for unsent in claimed[i:]:
                        self.lanes.pause(unsent, 0)
                    with self._idle:
                        self._in_flight -= 1
                    return
            if claimed:
                continue
            try:
                due = self.lanes.next_due_in()
            except Exception:
                due = None
            wait = IDLE_WAIT if due is None else min(IDLE_WAIT, max(0.005, due))
            self._wake.wait(wait)
            self._wake.clear()

    def _send_guarded(self, item: Claimed) -> None:
        try:
            self._send(item)
        except Exception:
            log.exception("slack_dispatch_failed")
        finally:
            with self._idle:
                self._in_flight -= 1
                self._idle.notify_all()

    def _send(self, item: Claimed) -> None:
        """Send one claimed job; its lease is released unless it went back to its lane."""
        requeued = False
        try:
            job = OutboundJob.model_validate_json(item.job)
            SLACK_PACING_WAIT.observe(max(0.0, time.time() - job.queued_at))
            try:
                with attached(job.trace_context):
                    self._call(job)
            except SlackApiError as err:
                requeued = self._failed(item, job, err)
            except ResponseUrlGone:
                self._fall_back(job, "response_url_gone")
            except OSError as err:
                requeued = self._retry_later(item, job, type(err).__name__)
        finally:
            if not requeued:
                self._release(item)
            with contextlib.suppress(ValueError):  # an unparsable job was logged above
                job = OutboundJob.model_validate_json(item.job)
                self._report_depth(job, job.lane())

    def _release(self, item: Claimed) -> None:
        """Release the job's lease, waiting out a Redis outage: a lease left behind is
        reaped and the job sent again - a duplicate post once Slack already has it."""
        call_outlasting(
            lambda: self.lanes.done(item),
            (redis.ConnectionError, redis.TimeoutError),
            within=RELEASE_RETRY_SECONDS,
            event="slack_dispatch_release_retry",
        )

    def _report_depth(self, job: OutboundJob, lane: Lane) -> None:
        """The lane's depth for the metric. Never raises: it runs after the job was queued
        or sent, and a failure here must not make a caller queue the job again."""
        channel = str(job.params.get("channel") or job.method)
        try:
            SLACK_QUEUE_DEPTH.labels(channel).set(self.lanes.pending(lane))
        except Exception as err:
            log.debug("slack_queue_depth_unknown", error=type(err).__name__)

    def _call(self, job: OutboundJob) -> None:
        if job.method == RESPOND:
            params = dict(job.params)
            response = Respond(response_url=params.pop("url"))(**params)
            if 400 <= response.status_code < 500:  # used up (5 answers) or expired (30 min)
                raise ResponseUrlGone(response.status_code)
            if response.status_code >= 500:
                raise OSError(f"response_url answered {response.status_code}")
            return
        from integrations.slack.installations import bot_token_for

        token = bot_token_for(self.settings, job.team_id)
        if not token:
            log.warning("slack_dispatch_no_token", tenant_id=job.team_id, method=job.method)
            return
        client = web_client(self.settings, token, retry_rate_limits=False)
        method = getattr(client, job.method.replace(".", "_"))
        with span("bmad.slack.post", method=job.method):
            try:
                response = method(**job.params)
            except Exception:
                SLACK_POSTS.labels("error").inc()
                raise
        SLACK_POSTS.labels("ok").inc()
        if job.remember and job.method == "chat.postMessage":
            record = {
                "channel": response.get("channel") or job.params.get("channel"),
                "ts": response["ts"],
                "text": job.params.get("text", ""),
                "blocks": job.params.get("blocks") or [],
                **job.extra,
            }
            store = get_redis(self.settings.redis_url)
            store.rpush(job.remember, json.dumps(record))
            store.expire(job.remember, REMEMBER_SECONDS)

    def _failed(self, item: Claimed, job: OutboundJob, err: SlackApiError) -> bool:
        """True when the job went back to its lane (paused)."""
        status = err.response.status_code
        error = str(err.response.get("error", "")) if err.response is not None else ""
        if status == 429:
            retry_after = float(err.response.headers.get("Retry-After", "1") or 1)
            log.info("slack_lane_paused", method=job.method, seconds=retry_after)
            self.lanes.pause(item, retry_after)
            self._wake.set()
            return True
        if error in AUTH_ERRORS and not job.reauthed:
            from integrations.slack.installations import forget_cached_installation

            forget_cached_installation(self.settings, job.team_id)
            job.reauthed = True
            job.once = None  # its key was spent queuing it; this is the same job's retry
            self.submit(job)  # once, with whatever token the store now holds
            return False
        if error in CHANNEL_ERRORS and job.method != RESPOND:
            self._fall_back(job, error)
            return False
        log.warning("slack_call_failed", method=job.method, error=error or status)
        return False

    def _fall_back(self, job: OutboundJob, error: str) -> None:
        text = str(job.params.get("text") or job.params.get("initial_comment") or "")
        blocks = job.params.get("blocks")
        if job.method == "files.upload_v2":
            text = str(job.params.get("content", ""))[:3000]
            blocks = None
        if job.fallback_url and job.method != RESPOND:
            params: dict[str, Any] = {"url": job.fallback_url, "text": text}
            if blocks:
                params["blocks"] = blocks
            params["response_type"] = "ephemeral"
            self.submit(
                OutboundJob(
                    team_id=job.team_id,
                    method=RESPOND,
                    params=params,
                    fallback_user=job.fallback_user,
                    trace_context=job.trace_context,
                )
            )
        elif job.fallback_user and job.params.get("channel") != job.fallback_user:
            params = {"channel": job.fallback_user, "text": text}
            if blocks:
                params["blocks"] = blocks
            self.submit(
                OutboundJob(
                    team_id=job.team_id,
                    method="chat.postMessage",
                    params=params,
                    trace_context=job.trace_context,
                )
            )
        else:
            log.warning("slack_post_refused", method=job.method, error=error)
            return
        log.info("slack_post_fell_back", method=job.method, error=error)

    def _retry_later(self, item: Claimed, job: OutboundJob, reason: str) -> bool:
        job.attempts += 1
        if job.attempts >= MAX_ATTEMPTS:
            log.warning("slack_call_given_up", method=job.method, reason=reason)
            return False
        self.lanes.pause(item, RETRY_SECONDS, job=job.model_dump_json())
        return True

    # -- process exit ---------------------------------------------------------------------
    @property
    def running(self) -> bool:
        """Is this process's dispatch loop alive (and not asked to stop)?"""
        return self._thread is not None and self._thread.is_alive() and not self._stopping

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the loop without sending what is queued (it stays in Redis for the next
        process): for tests, whose database and Slack stand-in go away after them."""
        self._stopping = True
        self._pid = None  # nothing left to flush at exit
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._senders.shutdown(wait=False, cancel_futures=True)

    def flush(self, timeout: float = FLUSH_SECONDS) -> None:
        """At exit: send what is due (bounded), in this thread - the sender pool is already
        shut down by then - so a CLI's last posts go out."""
        if self._pid != os.getpid():
            return
        self._stopping = True
        try:
            self._flush_until(time.monotonic() + timeout)
        except redis.RedisError as err:  # the queue is in Redis: nothing to send it from
            log.warning("slack_flush_skipped", error=type(err).__name__)

    def _flush_until(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            claimed = self.lanes.claim()
            for item in claimed:
                try:
                    self._send(item)
                except Exception:
                    log.exception("slack_dispatch_failed")
            due = self.lanes.next_due_in()
            with self._idle:
                busy = self._in_flight > 0
            # Paced posts (one a second) are waited for; a retry after an error is not.
            if not claimed and not busy and (due is None or due > FLUSH_PACE_WAIT):
                return
            if not claimed:
                time.sleep(min(0.05, due or 0.05))


_dispatchers: dict[tuple[str | None, str, str], Dispatcher] = {}
_dispatchers_lock = threading.Lock()


def stop_dispatchers(redis_url: str | None = None) -> None:
    """Stop every dispatcher of this process (a test session ending), or only those on
    `redis_url` (a test's own Redis going away)."""
    with _dispatchers_lock:
        idents = [i for i in _dispatchers if redis_url is None or i[0] == redis_url]
        found = [_dispatchers.pop(i) for i in idents]
    for dispatcher in found:
        dispatcher.stop()


def dispatcher_for(settings: Settings) -> Dispatcher:
    """One dispatcher per Redis, Slack API and database per process (started on first use)."""
    ident = (settings.redis_url, settings.slack_api_url, settings.database_url)
    with _dispatchers_lock:
        found = _dispatchers.get(ident)
        if found is None:
            found = _dispatchers[ident] = Dispatcher(settings)
            atexit.register(found.flush)
        return found
