"""Beat for the embedded default: a daemon thread runs the sweeper and approval timeouts.

Why: with `BMAD_QUEUE=eager` there is no `bmad beat`, yet approvals must still escalate and
expire and a hung step must still be retried. One thread per database per process, started
by `WorkflowService`; `BMAD_EMBEDDED_BEAT_SECONDS=0` turns it off.
"""

from __future__ import annotations

import threading

from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

_started: set[str] = set()
_lock = threading.Lock()
MAX_FAILURES = 5  # a database that keeps failing (deleted, unmigrated) ends the thread


def start_embedded_beat(settings: Settings) -> bool:
    interval = settings.embedded_beat_seconds
    if interval <= 0 or settings.queue != "eager":
        return False
    with _lock:
        if settings.database_url in _started:
            return False
        _started.add(settings.database_url)
    thread = threading.Thread(
        target=_loop, args=(settings, interval), name="bmad-embedded-beat", daemon=True
    )
    thread.start()
    return True


def _loop(settings: Settings, interval: float) -> None:
    from agents.workflows.sweeper import expire_approvals, sweep

    stop = threading.Event()
    failures = 0
    while not stop.wait(interval):
        try:
            sweep(settings)
            expire_approvals(settings)
            failures = 0
        except Exception:
            failures += 1
            log.warning("embedded_beat_failed", failures=failures, exc_info=True)
            if failures >= MAX_FAILURES:
                break
    with _lock:
        _started.discard(settings.database_url)
