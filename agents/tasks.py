"""Celery tasks (autodiscovered by `agents.queue`).

Why thin: each task only loads the process settings and calls the same function the
embedded thread pool calls; all durability lives in the database transitions.
`acks_late` + `reject_on_worker_lost`: a message is acknowledged only after the step's
attempt finished, so a killed worker's message is redelivered; the redelivered message
waits until the dead worker's lease ran out and then takes the step over (the sweeper
re-queues a step whose lease ran out in any case).

Outages are retried, never acknowledged as done: a database or Redis error raised by a
task is retried by Celery with exponential backoff (no limit: the work is still owed).
"""

from __future__ import annotations

import redis
from celery import Task
from sqlalchemy.exc import InterfaceError, OperationalError

from agents.queue import celery_app
from agents.workflows.dispatch import RUN_STEP_TASK
from agents.workflows.executor import execute_step
from agents.workflows.lease import busy_for
from agents.workflows.schedule import JOBS, run_job
from integrations.settings import get_settings

OUTAGES = (OperationalError, InterfaceError, redis.ConnectionError, redis.TimeoutError)
RETRY_OUTAGES = {
    "autoretry_for": OUTAGES,
    "retry_backoff": 1,
    "retry_backoff_max": 30,
    "retry_jitter": True,
    "max_retries": None,
}
# Periodic jobs: a few retries; the next period does the rest (beat sends them again).
RETRY_PERIODIC = {**RETRY_OUTAGES, "max_retries": 3}


@celery_app.task(
    bind=True, name=RUN_STEP_TASK, acks_late=True, reject_on_worker_lost=True, **RETRY_OUTAGES
)
def run_step(self: Task, tenant_id: str, step_id: int, attempt: int) -> str:
    settings = get_settings()
    outcome = execute_step(settings, tenant_id, step_id, attempt)
    if outcome == "skipped":
        # Redelivered after its worker died (or sent twice): the attempt is still leased.
        # Come back when the lease runs out; a live worker will have renewed it by then.
        wait = busy_for(settings, tenant_id, step_id, attempt)
        if wait is not None:
            raise self.retry(countdown=wait + 0.5, max_retries=None)
    return outcome


@celery_app.task(name="bmad.sweep_workflows", acks_late=True, **RETRY_PERIODIC)
def sweep_workflows() -> dict[str, int]:
    return run_job(JOBS["workflow-sweeper"], get_settings())


@celery_app.task(name="bmad.expire_approvals", acks_late=True, **RETRY_PERIODIC)
def expire_approvals() -> dict[str, int]:
    return run_job(JOBS["approval-timeouts"], get_settings())


@celery_app.task(name="bmad.record_outbox_lag", ignore_result=True)
def record_outbox_lag() -> dict[str, float]:
    """The same job body as the embedded scheduler's (every known type reported, 0 when
    drained): one definition in agents/workflows/schedule.py for both clocks."""
    return run_job(JOBS["outbox-lag"], get_settings())
