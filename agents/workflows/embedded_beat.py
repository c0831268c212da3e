"""Beat for the embedded default: the table's repair and periodic jobs from a daemon thread.

Why: with `BMAD_QUEUE=eager` there is no `bmad beat`, yet approvals must still escalate and
expire, a hung step must still be retried, old runs must be purged (retention), usage
metered to Stripe and the weekly digest sent. One thread per database per process, started
by `WorkflowService`; `BMAD_EMBEDDED_BEAT_SECONDS=0` turns it off. The jobs and their times
come from `agents.schedule.SCHEDULE`, the table Celery beat uses too.
"""

from __future__ import annotations

import threading

from agents.schedule import BEAT_CLOCK, EmbeddedScheduler
from integrations.settings import Settings

_started: dict[str, EmbeddedScheduler] = {}
_lock = threading.Lock()


def start_embedded_beat(settings: Settings) -> bool:
    if settings.embedded_beat_seconds <= 0 or settings.queue != "eager":
        return False
    with _lock:
        running = _started.get(settings.database_url)
        if running is not None and running.alive:
            return False
        scheduler = EmbeddedScheduler(settings, BEAT_CLOCK, give_up=True)
        _started[settings.database_url] = scheduler
    scheduler.start()
    return True


def stop_embedded_beats() -> None:
    """Stop every beat this process started (tests end each one with the test that began it:
    a beat left running sweeps the next test's rows and reconfigures Celery under it)."""
    with _lock:
        running = list(_started.values())
        _started.clear()
    for scheduler in running:
        scheduler.stop()
