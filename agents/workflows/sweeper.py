"""Background repair, run by beat (`bmad beat`) and once at start in embedded mode.

Why: a worker can die mid-step (SIGKILL, OOM, deploy). Its step stays `running` until
its lease (timeout + grace) passes; then the sweeper counts the attempt as failed and
re-queues it per the retry policy. It also re-sends notices that a crash left unsent
(deduped, so never twice) and re-dispatches queued steps whose message was lost.
Approval timeouts: escalate once (a reminder notice, an outbox event for email), then
expire the run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, or_, select
from sqlalchemy.orm import Session

from agents.workflows.dispatch import dispatch
from agents.workflows.engine import (
    Dispatch,
    aware,
    finish,
    lock_run,
    now,
    retry_or_fail,
    spec_of,
    template_of,
)
from agents.workflows.events import append_event
from agents.workflows.notices import RESULT_KINDS, announce_decision, flush_notices
from agents.workflows.states import RUN_ACTIVE, RUN_TERMINAL, STEP_OPEN
from integrations.db.events import enqueue_event
from integrations.db.models import WorkflowRun, WorkflowStep
from integrations.db.session import admin_session, tenant_session
from integrations.observability.logging import get_logger
from integrations.observability.metrics import (
    WORKFLOW_QUEUE_AGE,
    WORKFLOW_STEPS_BY_STATUS,
    WORKFLOW_STEPS_REQUEUED,
)
from integrations.settings import Settings

log = get_logger(__name__)

# A queued step whose message a dead worker had prefetched (unacked: the Redis transport
# would restore it only after its visibility timeout) is sent again after this long.
STALE_QUEUED_SECONDS = 180.0


def sweep(settings: Settings, at: datetime | None = None) -> dict[str, int]:
    at = at or now()
    requeued = _requeue_lost_workers(settings, at)
    redispatched = _redispatch_stale_queued(settings, at)
    flushed = sum(_isolated(flush_notices, settings, t, r) for t, r in _unannounced(settings))
    _record_depth(settings)
    if requeued or redispatched or flushed:
        log.info("workflow_sweep", requeued=requeued, redispatched=redispatched, flushed=flushed)
    return {"requeued": requeued, "redispatched": redispatched, "flushed": flushed}


def _record_depth(settings: Settings) -> None:
    with admin_session(settings.database_url) as session:
        counts = dict(
            session.execute(
                select(WorkflowStep.status, func.count())
                .where(WorkflowStep.status.in_(STEP_OPEN))
                .group_by(WorkflowStep.status)
            ).all()
        )
        oldest = session.scalar(
            select(func.min(WorkflowStep.queued_at)).where(WorkflowStep.status == "queued")
        )
    for status in STEP_OPEN:
        WORKFLOW_STEPS_BY_STATUS.labels(status).set(counts.get(status, 0))
    # Queue age: how long the oldest queued step has waited for a worker (alerted on).
    age = (now() - aware(oldest)).total_seconds() if oldest is not None else 0.0
    WORKFLOW_QUEUE_AGE.set(max(0.0, age))


def _steps_of_active_runs(
    session: Session, status: str, overdue: ColumnElement[bool]
) -> Sequence[Row[str, int, int, int]]:
    """(tenant, run, step, attempt) of the `status` steps of active runs that are `overdue`."""
    return session.execute(
        select(WorkflowStep.tenant_id, WorkflowStep.run_id, WorkflowStep.id, WorkflowStep.attempt)
        .join(WorkflowRun, WorkflowRun.id == WorkflowStep.run_id)
        .where(WorkflowStep.status == status, overdue, WorkflowRun.status.in_(RUN_ACTIVE))
    ).all()


def _requeue_lost_workers(settings: Settings, at: datetime) -> int:
    with admin_session(settings.database_url) as session:
        rows = _steps_of_active_runs(session, "running", WorkflowStep.lease_until < at)
    return sum(_isolated(_requeue_one, settings, t, r, s, a, at) for t, r, s, a in rows)


def _requeue_one(
    settings: Settings, tenant_id: str, run_id: int, step_id: int, attempt: int, at: datetime
) -> int:
    with tenant_session(settings.database_url, tenant_id) as session:
        run = lock_run(session, tenant_id, run_id)
        step = session.get(WorkflowStep, step_id)
        if run is None or step is None:
            return 0
        session.refresh(step)
        lease = aware(step.lease_until)
        if step.status != "running" or step.attempt != attempt or lease is None or lease >= at:
            return 0
        append_event(
            session,
            tenant_id,
            run_id,
            "step.worker_lost",
            step=step.name,
            details={"attempt": attempt},
        )
        plan = retry_or_fail(session, run, step, "worker lost (lease expired)")
        WORKFLOW_STEPS_REQUEUED.inc()
    dispatch(settings, plan)
    flush_notices(settings, tenant_id, run_id)
    return 1


def _isolated(func: Callable[..., int], *args: Any) -> int:
    """One broken run (a hand-made row, a bad template) must not stop the sweep of others."""
    try:
        return func(*args)
    except Exception:
        log.exception("sweep_item_failed", job=func.__name__)
        return 0


def _redispatch_stale_queued(settings: Settings, at: datetime) -> int:
    """Queued long ago but never claimed: the message was lost (e.g. embedded restart)."""
    cutoff = at - timedelta(seconds=STALE_QUEUED_SECONDS)
    with admin_session(settings.database_url) as session:
        rows = _steps_of_active_runs(session, "queued", WorkflowStep.queued_at < cutoff)
        timeouts = {}
        for _tenant, run_id, step_id, _attempt in rows:
            run = session.get(WorkflowRun, run_id)
            step = session.get(WorkflowStep, step_id)
            if run is not None and step is not None:
                timeouts[step_id] = spec_of(run, step).timeout_seconds
    plan = [
        Dispatch(t, r, s, a, 0.0, timeouts.get(s, 300.0)) for t, r, s, a in rows if s in timeouts
    ]
    dispatch(settings, plan)
    return len(plan)


def _unannounced(settings: Settings) -> list[tuple[str, int]]:
    with admin_session(settings.database_url) as session:
        step_runs = session.execute(
            select(WorkflowStep.tenant_id, WorkflowStep.run_id)
            .where(
                WorkflowStep.notified_at.is_(None),
                or_(
                    and_(WorkflowStep.status == "succeeded", WorkflowStep.kind.in_(RESULT_KINDS)),
                    WorkflowStep.status == "waiting_approval",
                ),
            )
            .distinct()
        ).all()
        finished = session.execute(
            select(WorkflowRun.tenant_id, WorkflowRun.id).where(
                WorkflowRun.status.in_(RUN_TERMINAL), WorkflowRun.finish_notified_at.is_(None)
            )
        ).all()
    return sorted({(t, r) for t, r in [*step_runs, *finished]})


def expire_approvals(settings: Settings, at: datetime | None = None) -> dict[str, int]:
    at = at or now()
    with admin_session(settings.database_url) as session:
        rows = session.execute(
            select(WorkflowStep.tenant_id, WorkflowStep.run_id, WorkflowStep.id).where(
                WorkflowStep.status == "waiting_approval", WorkflowStep.deadline_at < at
            )
        ).all()
    outcomes = [_isolated_expire(settings, t, r, s, at) for t, r, s in rows]
    return {"escalated": outcomes.count("escalated"), "expired": outcomes.count("expired")}


def _isolated_expire(
    settings: Settings, tenant_id: str, run_id: int, step_id: int, at: datetime
) -> str:
    try:
        return _expire_one(settings, tenant_id, run_id, step_id, at)
    except Exception:
        log.exception("sweep_item_failed", job="expire_approvals", run_id=run_id)
        return ""


def _expire_one(settings: Settings, tenant_id: str, run_id: int, step_id: int, at: datetime) -> str:
    outcome = ""
    with tenant_session(settings.database_url, tenant_id) as session:
        run = lock_run(session, tenant_id, run_id)
        step = session.get(WorkflowStep, step_id)
        if run is None or step is None:
            return ""
        session.refresh(step)
        deadline = aware(step.deadline_at)
        if step.status != "waiting_approval" or deadline is None or deadline >= at:
            return ""
        details = {
            "run_id": run.public_id,
            "step": step.name,
            "role": step.approval_role,
            "conversation_key": run.conversation_key,
            "workflow": run.workflow,
        }
        if step.escalated_at is None:
            spec = template_of(run).step(step.name)
            step.escalated_at = at
            step.deadline_at = at + timedelta(seconds=spec.approval_timeout_seconds)
            step.notified_at = None  # the reminder goes out through the notice flush
            details["deadline"] = step.deadline_at.isoformat()
            append_event(
                session, tenant_id, run_id, "approval.escalated", step=step.name, details=details
            )
            enqueue_event(session, tenant_id, "approval.escalated", details)
            outcome = "escalated"
        else:
            step.status = "expired"
            step.finished_at = at
            step.error = "approval expired"
            append_event(
                session, tenant_id, run_id, "approval.expired", step=step.name, details=details
            )
            finish(session, run, "failed", error="approval expired", failed_step=step.name)
            outcome = "expired"
    if outcome == "expired":  # the request message loses its buttons, says it expired
        announce_decision(settings, tenant_id, run_id, approved=False, user_id="", expired=True)
    flush_notices(settings, tenant_id, run_id)
    return outcome
