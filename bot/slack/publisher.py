"""Hands Slack turns to Celery from one background thread, several per task when busy.

Why: publishing a Celery message costs about half a millisecond of CPU in the web process
(kombu), more than Bolt's whole ack. Listeners only put the turn on an in-process queue;
this thread publishes whatever has accumulated as one `bmad.slack.run_turns` task, which a
worker fans out into one `bmad.slack.run_turn` task per turn. When traffic is light every
batch holds one turn and is published at once, so nothing waits; under load the cost per
turn shrinks with the batch. Turns still queued when the process exits are published by
an exit hook.
"""

from __future__ import annotations

import atexit
import os
import queue
import threading

from bot.slack.turn import SlackTurn
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

MAX_BATCH = 100
PUBLISH_ATTEMPTS = 3


class TurnPublisher:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._queue: queue.SimpleQueue[SlackTurn] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pid: int | None = None

    def submit(self, turn: SlackTurn) -> None:
        self._ensure_thread()
        self._queue.put(turn)

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

    def _drain(self, limit: int) -> list[SlackTurn]:
        turns: list[SlackTurn] = []
        while len(turns) < limit:
            try:
                turns.append(self._queue.get_nowait())
            except queue.Empty:
                break
        return turns

    def _publish(self, turns: list[SlackTurn]) -> None:
        from agents.queue import ensure_configured
        from bot.slack.tasks import run_slack_turns

        payload = [t.model_dump(mode="json") for t in turns]
        for attempt in range(1, PUBLISH_ATTEMPTS + 1):
            try:
                ensure_configured(self.settings)
                run_slack_turns.apply_async(args=[payload], queue=self.settings.celery_queue)
                return
            except Exception:
                log.exception("slack_turn_publish_failed", attempt=attempt, turns=len(turns))
        log.error("slack_turns_dropped", event_ids=[t.event_id for t in turns])

    def flush(self) -> None:
        """Publish what is queued now (process exit)."""
        while turns := self._drain(MAX_BATCH):
            self._publish(turns)


_publishers: dict[int, TurnPublisher] = {}
_publishers_lock = threading.Lock()


def publisher_for(settings: Settings) -> TurnPublisher:
    with _publishers_lock:
        found = _publishers.get(id(settings))
        if found is None or found.settings is not settings:
            found = _publishers[id(settings)] = TurnPublisher(settings)
            atexit.register(found.flush)
        return found
