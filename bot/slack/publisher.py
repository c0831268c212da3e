"""Publishes Slack jobs to Celery from one background thread, confirming each one.

Why a thread: publishing a Celery message costs about half a millisecond of CPU in the web
process (kombu), more than Bolt's whole ack. Listeners put the job on an in-process queue
and get a future; this thread publishes whatever has accumulated as one
`bmad.slack.run_jobs` task (a group commit) and resolves every future of the batch once
the broker has taken it (Redis answered the LPUSH), or fails them all. The route acks only
what was confirmed, so a job is never acknowledged before it is durable; a failed or slow
publish means 503 and Slack retries. When traffic is light every batch holds one job and
is published at once; under load the cost per job shrinks with the batch.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading
from concurrent.futures import Future, InvalidStateError
from typing import Any

from kombu import Connection

from agents.queue import celery_app, ensure_configured
from bot.slack.jobs import SlackJob, trace_of
from integrations.observability.logging import get_logger
from integrations.observability.metrics import SLACK_JOBS_PUBLISHED, SLACK_PUBLISH_BATCHES
from integrations.observability.tracing import attached
from integrations.redis_publish_transport import publish_transport
from integrations.settings import Settings

log = get_logger(__name__)

MAX_BATCH = 100
RUN_JOBS_TASK = "bmad.slack.run_jobs"  # bot.slack.tasks.run_slack_jobs
# The publisher's own broker connection fails fast (no kombu retry loop, short socket
# timeouts): a request waiting for it answers 503 instead, and Slack's retry is the retry.
# (Copied per connection: kombu consumes these keys from the dict it is given.)
FAST_FAIL = {
    "max_retries": 0,
    "socket_connect_timeout": 1.0,
    "socket_timeout": 1.0,
}


class NotDurable(RuntimeError):
    """The broker did not confirm the job: the request must not be acknowledged."""


class BatchSender:
    """Publishes one batch of jobs as one `bmad.slack.run_jobs` message on its own broker
    connection. Blocking: call it from one thread at a time (the publisher's)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._connection: Connection | None = None
        self._declared = False  # the turn queue, on this connection

    def send(self, payloads: list[dict[str, Any]]) -> None:
        """Return once the broker took the batch, or raise NotDurable."""
        try:
            if self._connection is None:
                app = ensure_configured(self.settings)
                self._connection = app.connection_for_write(
                    transport_options=dict(FAST_FAIL),
                    transport=publish_transport(app.connection_for_write()),
                )
            # A batch of one (light traffic) is published inside its request's trace.
            with attached(trace_of(payloads[0]) if len(payloads) == 1 else None):
                celery_app.send_task(  # by name: the task's module (bot.slack.tasks) imports ours
                    RUN_JOBS_TASK,
                    args=[payloads],
                    queue=self.settings.turn_queue,
                    retry=False,
                    connection=self._connection,
                    # Not Celery's saferepr of the args: it costs ~40 % of the publish, and
                    # users' words do not belong in task events and monitoring tools.
                    argsrepr=f"[<{len(payloads)} slack jobs>]",
                    kwargsrepr="{}",
                    # The queue is declared by the first publish on a connection; after
                    # that kombu would only re-bind it (~90 us of CPU a publish, 1/5).
                    declare=[] if self._declared else None,
                )
            self._declared = True
        except Exception as err:
            self._reset()
            SLACK_PUBLISH_BATCHES.labels("failed").inc()
            SLACK_JOBS_PUBLISHED.labels("failed").inc(len(payloads))
            log.warning("slack_job_publish_failed", jobs=len(payloads), error=type(err).__name__)
            raise NotDurable(type(err).__name__) from err
        SLACK_PUBLISH_BATCHES.labels("ok").inc()
        SLACK_JOBS_PUBLISHED.labels("ok").inc(len(payloads))

    def _reset(self) -> None:
        """Drop a broken connection; the next batch connects afresh."""
        if self._connection is not None:
            try:
                self._connection.close()
            except Exception:
                log.debug("slack_publisher_close_failed")
            self._connection = None
            self._declared = False


class TurnPublisher:
    """For listeners, which run on Bolt's threads (commands, clicks, Socket Mode)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queue: queue.SimpleQueue[tuple[SlackJob, Future[None]]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._sender = BatchSender(settings)

    def submit(self, job: SlackJob) -> Future[None]:
        self._ensure_thread()
        future: Future[None] = Future()
        self._queue.put((job, future))
        return future

    def _ensure_thread(self) -> None:
        if self._pid == os.getpid():
            return
        with self._lock:  # (re)start after a fork: threads do not survive it
            if self._pid != os.getpid():
                self._pid = os.getpid()
                threading.Thread(target=self._run, name="bmad-slack-publish", daemon=True).start()

    def _run(self) -> None:
        while True:
            self._publish([self._queue.get(), *self._drain(MAX_BATCH - 1)])

    def _drain(self, limit: int) -> list[tuple[SlackJob, Future[None]]]:
        items: list[tuple[SlackJob, Future[None]]] = []
        while len(items) < limit:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return items

    def _publish(self, items: list[tuple[SlackJob, Future[None]]]) -> None:
        payloads = [job.model_dump(mode="json") for job, _ in items]
        try:
            self._sender.send(payloads)
        except NotDurable as err:
            for _, future in items:
                _settle(future, err)
            return
        for _, future in items:
            _settle(future, None)

    def flush(self) -> None:
        """Publish what is queued now (process exit)."""
        while items := self._drain(MAX_BATCH):
            self._publish(items)


def _settle(future: Future[None], error: Exception | None) -> None:
    """A request that gave up waiting (timeout -> 503) cancelled its future; that is fine:
    the job is published anyway and Slack's retry of it is answered once (event-id claim)."""
    try:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
    except InvalidStateError:
        pass


_publishers: dict[int, TurnPublisher] = {}
_publishers_lock = threading.Lock()


def publisher_for(settings: Settings) -> TurnPublisher:
    with _publishers_lock:
        found = _publishers.get(id(settings))
        if found is None or found.settings is not settings:
            found = _publishers[id(settings)] = TurnPublisher(settings)
            atexit.register(found.flush)
        return found
