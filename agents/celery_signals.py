"""Celery signal handlers of a `bmad worker`: task metrics and pool-child clean-up.

Why signals: every task - steps, Slack turns, every scheduled job - is counted the same way
without touching each task, and a replaced pool child's live gauges are dropped from the
multiprocess metrics directory.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from celery import signals

from agents.schedule_table import SCHEDULE
from integrations.observability.metrics import (
    CELERY_TASK_SECONDS,
    CELERY_TASKS,
    SCHEDULED_JOB_RUNS,
    SCHEDULED_JOB_SECONDS,
)
from integrations.observability.multiproc import mark_process_dead
from integrations.observability.tracing import configure_tracing, flush

_started: dict[str, float] = {}
_JOB_BY_TASK = {job.task: job.name for job in SCHEDULE}


def _on_prerun(task_id: str | None = None, **_: Any) -> None:
    if task_id:
        _started[task_id] = time.perf_counter()


def _on_postrun(
    task_id: str | None = None, task: Any = None, state: str | None = None, **_: Any
) -> None:
    name = getattr(task, "name", "unknown")
    CELERY_TASKS.labels(name, (state or "unknown").lower()).inc()
    started = _started.pop(task_id or "", None)
    elapsed = time.perf_counter() - started if started is not None else None
    if elapsed is not None:
        CELERY_TASK_SECONDS.labels(name).observe(elapsed)
    job = _JOB_BY_TASK.get(name)
    if job is not None:  # a scheduled job: the same series as the embedded scheduler's
        SCHEDULED_JOB_RUNS.labels(job, "ok" if state == "SUCCESS" else "error").inc()
        if elapsed is not None:
            SCHEDULED_JOB_SECONDS.labels(job).observe(elapsed)


def _on_child_exit(pid: int | None = None, **_: Any) -> None:
    import os

    mark_process_dead(pid or os.getpid())


def _keep_our_logging(**_: Any) -> None:
    """Connected to `setup_logging`: Celery then leaves the (JSON) root logger alone."""


def _say_as_json(msg: str, f: Any = None) -> None:
    """Celery prints shutdown notices as plain text on stdout; ours are log lines."""
    logging.getLogger("celery.apps.worker").warning(msg)


def _init_child(**_: Any) -> None:
    """A pool child: tracing starts here (an exporter thread does not survive the fork)."""
    configure_tracing("bmad-worker")


def _child_exit(**_: Any) -> None:
    flush()


def connect() -> None:
    signals.worker_process_init.connect(_init_child, weak=False)
    signals.worker_process_shutdown.connect(_child_exit, weak=False)
    import celery.apps.worker

    celery.apps.worker.safe_say = _say_as_json
    signals.setup_logging.connect(_keep_our_logging, weak=False)
    signals.task_prerun.connect(_on_prerun, weak=False)
    signals.task_postrun.connect(_on_postrun, weak=False)
    signals.worker_process_shutdown.connect(_on_child_exit, weak=False)
