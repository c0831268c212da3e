"""Celery tasks (autodiscovered by `agents.queue`).

Why thin: each task only loads the process settings and calls the same function the
embedded thread pool calls; all durability lives in the database transitions.
`acks_late` + `reject_on_worker_lost`: a message is acknowledged only after the step's
attempt finished, so a killed worker's message is redelivered (and the sweeper re-queues
a step whose lease ran out in any case).
"""

from __future__ import annotations

from agents.queue import celery_app
from integrations.settings import get_settings


@celery_app.task(name="bmad.run_step", acks_late=True, reject_on_worker_lost=True)
def run_step(tenant_id: str, step_id: int, attempt: int) -> str:
    from agents.workflows.executor import execute_step

    return execute_step(get_settings(), tenant_id, step_id, attempt)


@celery_app.task(name="bmad.sweep_workflows", acks_late=True)
def sweep_workflows() -> dict[str, int]:
    from agents.workflows.sweeper import sweep

    return sweep(get_settings())


@celery_app.task(name="bmad.expire_approvals", acks_late=True)
def expire_approvals() -> dict[str, int]:
    from agents.workflows.sweeper import expire_approvals as expire

    return expire(get_settings())
