"""The embedded default's runtime: steps on this process's thread pool, and a beat - the
table's repair and periodic jobs from a daemon thread.

Why: with `BMAD_QUEUE=eager` there is no `bmad beat`, yet approvals must still escalate and
expire, a hung step must still be retried, old runs must be purged (retention), usage
metered to Stripe and the weekly digest sent. One thread per database per process, started
by `WorkflowService`; `BMAD_EMBEDDED_BEAT_SECONDS=0` turns it off. The jobs and their times
come from `agents.workflows.schedule.SCHEDULE`, the table Celery beat uses too. Starting it also
installs `execute_step` as the thread pool's step runner (`dispatch.use_local_runner`), so
the executor and the dispatcher need not import each other.
"""

from __future__ import annotations

import threading

from agents.workflows.dispatch import use_local_runner
from agents.workflows.executor import execute_step
from agents.workflows.schedule import BEAT_CLOCK, EmbeddedScheduler
from integrations.settings import Settings

_started: dict[str, EmbeddedScheduler] = {}
_lock = threading.Lock()


def start_embedded_beat(settings: Settings) -> bool:
    if settings.queue != "eager":
        return False
    use_local_runner(execute_step)  # this process runs its steps (BMAD_QUEUE=eager)
    if settings.embedded_beat_seconds <= 0:
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
