"""State transitions of runs and steps, inside the caller's `tenant_session`.

Why every transition starts with `lock_run`: it is an UPDATE of the run row, so on
PostgreSQL it takes the row lock for the rest of the transaction and on SQLite it takes
the database write lock up front. Transitions of one run are therefore serialised, and
the checks below ("is this step still running attempt 2?") cannot race. Nothing here talks
to the outside world; callers dispatch the returned `Dispatch`es after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, overload

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from agents.crew.templates import render_lang
from agents.workflows.events import append_event
from agents.workflows.spec import StepSpec, WorkflowTemplate
from agents.workflows.states import (
    LEASE_GRACE_SECONDS,
    RUN_ACTIVE,
    RUN_TERMINAL,
    STEP_ACTIVE,
    STEP_DONE,
    STEP_FAILED,
    STEP_OPEN,
)
from integrations.db.events import enqueue_event
from integrations.db.models import WorkflowRun, WorkflowStep
from integrations.db.session import rowcount
from integrations.observability.metrics import WORKFLOW_RUNS_FINISHED


def now() -> datetime:
    return datetime.now(UTC)


@overload
def aware(value: datetime) -> datetime: ...
@overload
def aware(value: None) -> None: ...
@overload
def aware(value: datetime | None) -> datetime | None: ...
def aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; all of ours are UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Dispatch:
    """A step attempt to hand to a worker once the transaction committed."""

    tenant_id: str
    run_id: int
    step_id: int
    attempt: int
    delay: float
    timeout: float


def lock_run(session: Session, tenant_id: str, run_id: int) -> WorkflowRun | None:
    result = session.execute(
        update(WorkflowRun)
        .where(WorkflowRun.id == run_id, WorkflowRun.tenant_id == tenant_id)
        .values(updated_at=now())
        .execution_options(synchronize_session=False)
    )
    if rowcount(result) == 0:
        return None
    return session.execute(
        select(WorkflowRun)
        .where(WorkflowRun.id == run_id)
        .execution_options(populate_existing=True)
    ).scalar_one()


def steps_of(session: Session, run_id: int) -> list[WorkflowStep]:
    return steps_of_runs(session, [run_id]).get(run_id, [])


def steps_of_runs(session: Session, run_ids: list[int]) -> dict[int, list[WorkflowStep]]:
    """The steps of several runs in one query (a page of runs), each run's in order."""
    found: dict[int, list[WorkflowStep]] = {run_id: [] for run_id in run_ids}
    if not run_ids:
        return found
    rows = session.execute(
        select(WorkflowStep)
        .where(WorkflowStep.run_id.in_(run_ids))
        .order_by(WorkflowStep.run_id, WorkflowStep.position)
        .execution_options(populate_existing=True)
    ).scalars()
    for step in rows:
        found[step.run_id].append(step)
    return found


def template_of(run: WorkflowRun) -> WorkflowTemplate:
    return WorkflowTemplate.model_validate(run.template)


def spec_of(run: WorkflowRun, step: WorkflowStep) -> StepSpec:
    return template_of(run).step(step.name)


def create_run(
    session: Session,
    tenant_id: str,
    template: WorkflowTemplate,
    *,
    inputs: dict[str, str],
    conversation_key: str,
    user_id: str,
    lang: str,
    resolved: dict[str, tuple[str | None, str | None]],
) -> tuple[WorkflowRun, list[Dispatch]]:
    run = WorkflowRun(
        tenant_id=tenant_id,
        workflow=template.name,
        status="pending",
        conversation_key=conversation_key,
        user_id=user_id,
        lang=lang,
        inputs=inputs,
        template=template.model_dump(mode="json"),
    )
    session.add(run)
    session.flush()
    specs = [(s, False) for s in template.steps] + [(s, True) for s in template.compensations]
    for position, (spec, compensation) in enumerate(specs):
        agent, task = resolved.get(spec.name, (spec.agent, spec.task))
        session.add(
            WorkflowStep(
                tenant_id=tenant_id,
                run_id=run.id,
                name=spec.name,
                position=position,
                kind=spec.kind,
                agent=agent,
                task=task,
                is_compensation=compensation,
                approval_role=spec.role if spec.kind == "approval" else None,
                data={},
            )
        )
    session.flush()
    append_event(session, tenant_id, run.id, "run.created", actor=user_id)
    enqueue_event(
        session,
        tenant_id,
        "run.started",
        {
            "run_id": run.public_id,
            "workflow": run.workflow,
            "user_id": user_id,
            "conversation_key": conversation_key,
        },
    )
    return run, advance(session, run)


def advance(session: Session, run: WorkflowRun) -> list[Dispatch]:
    """Queue every step whose needs are met; finish the run when nothing is left to do."""
    if run.status in RUN_TERMINAL:
        return []
    steps = steps_of(session, run.id)
    template = template_of(run)
    by_name = {s.name: s for s in steps}
    normal = [s for s in steps if not s.is_compensation]
    active = [s for s in steps if s.status in STEP_ACTIVE]
    if any(s.status in STEP_FAILED for s in normal):
        if not active:
            failed = next(s for s in normal if s.status in STEP_FAILED)
            finish(session, run, "failed", error=failed.error, failed_step=failed.name)
        return []
    plan: list[Dispatch] = []
    for step in normal:
        if step.status != "pending":
            continue
        spec = template.step(step.name)
        if not all(by_name[d].status == "succeeded" for d in spec.needs):
            continue
        if spec.kind == "approval":
            _request_approval(session, run, step, spec)
        else:
            plan.append(queue_step(session, run, step, spec, attempt=1))
    if all(s.status in STEP_DONE for s in normal):
        finish(session, run, "succeeded")
        return plan
    waiting = any(s.status == "waiting_approval" for s in normal)
    run.status = "waiting_approval" if waiting else "running"
    return plan


def queue_step(
    session: Session,
    run: WorkflowRun,
    step: WorkflowStep,
    spec: StepSpec,
    *,
    attempt: int,
    delay: float = 0.0,
) -> Dispatch:
    """Queue `attempt` of the step, to start `delay` seconds from now (a retry's back-off)."""
    step.status = "queued"
    step.attempt = attempt
    step.queued_at = now()
    step.lease_until = None
    append_event(
        session,
        run.tenant_id,
        run.id,
        "step.queued",
        step=step.name,
        details={"attempt": attempt, "delay": delay},
    )
    return Dispatch(run.tenant_id, run.id, step.id, attempt, delay, spec.timeout_seconds)


def _request_approval(
    session: Session, run: WorkflowRun, step: WorkflowStep, spec: StepSpec
) -> None:
    step.status = "waiting_approval"
    step.deadline_at = now() + timedelta(seconds=spec.approval_timeout_seconds)
    step.notified_at = None
    details = {
        "run_id": run.public_id,
        "workflow": run.workflow,
        "step": step.name,
        "role": spec.role,
        "conversation_key": run.conversation_key,
        "deadline": step.deadline_at.isoformat(),
    }
    append_event(
        session, run.tenant_id, run.id, "approval.requested", step=step.name, details=details
    )
    enqueue_event(session, run.tenant_id, "run.waiting_approval", details)


def finish(
    session: Session,
    run: WorkflowRun,
    status: str,
    *,
    error: str | None = None,
    failed_step: str | None = None,
    actor: str | None = None,
) -> bool:
    """Move the run to a terminal state once; False when it already was terminal."""
    if run.status in RUN_TERMINAL:
        return False
    run.status = status
    run.finished_at = now()
    run.error = error[:500] if error else None
    for step in steps_of(session, run.id):
        if step.is_compensation and step.status == "pending":
            step.status = "skipped"  # never needed
        elif step.status in ("pending", "queued", "waiting_approval"):
            step.status = "skipped" if status != "cancelled" else "cancelled"
        elif step.status == "running":
            step.status = "cancelled"  # its late result is discarded by complete_step
    details: dict[str, Any] = {
        "run_id": run.public_id,
        "workflow": run.workflow,
        "status": status,
        "conversation_key": run.conversation_key,
    }
    if error:
        details["error"] = run.error
    if failed_step:
        details["failed_step"] = failed_step
    append_event(session, run.tenant_id, run.id, f"run.{status}", actor=actor, details=details)
    # Every terminal state is an outbound event (run.succeeded / run.failed / run.cancelled).
    enqueue_event(
        session,
        run.tenant_id,
        f"run.{status}",
        {**details, "actor": actor} if status == "cancelled" else details,
    )
    WORKFLOW_RUNS_FINISHED.labels(run.workflow, status).inc()
    return True


class Claim(NamedTuple):
    """A claimed step attempt: its run, the step row and when this attempt started."""

    run: WorkflowRun
    step: WorkflowStep
    started_at: datetime


def claim_step(
    session: Session,
    tenant_id: str,
    step_id: int,
    attempt: int,
    lease_seconds: float = 30.0,
) -> Claim | None:
    """Mark this attempt running; None when it is not ours to run (stale or duplicate).

    A step still `running` this attempt whose lease ran out lost its worker (SIGKILL, OOM):
    a redelivered message for it takes it over at once instead of waiting for the sweeper.
    """
    found = _locked_step(session, tenant_id, step_id)
    if found is None:
        return None
    run, step = found
    if run.status not in RUN_ACTIVE or step.attempt != attempt:
        return None
    at = now()
    if step.status == "running" and (aware(step.lease_until) or at) < at:
        append_event(
            session,
            tenant_id,
            run.id,
            "step.taken_over",
            step=step.name,
            details={"attempt": attempt},
        )
    elif step.status != "queued":
        return None
    spec = spec_of(run, step)
    step.status = "running"
    step.started_at = at
    step.lease_until = lease_end(at, spec, lease_seconds, at)
    append_event(
        session, tenant_id, run.id, "step.started", step=step.name, details={"attempt": attempt}
    )
    return Claim(run, step, at)


def lease_end(started_at: datetime, spec: StepSpec, lease_seconds: float, at: datetime) -> datetime:
    """A lease runs `lease_seconds` from the last heartbeat, never past the step's timeout
    (+ grace): a step that hangs stops being renewed and is retried per its policy."""
    grace = min(LEASE_GRACE_SECONDS, spec.timeout_seconds)
    hard_end = aware(started_at) + timedelta(seconds=spec.timeout_seconds + grace)
    return min(at + timedelta(seconds=lease_seconds), hard_end)


def complete_step(
    session: Session,
    tenant_id: str,
    step_id: int,
    attempt: int,
    *,
    output: str,
    data: dict[str, Any],
    mode: str | None,
    tokens: int,
    cost_usd: float,
) -> list[Dispatch] | None:
    """Record a result; None when the attempt was superseded (cancelled, retried elsewhere)."""
    found = _running(session, tenant_id, step_id, attempt)
    if found is None:
        return None
    run, step = found
    step.status = "succeeded"
    step.output = output
    step.data = data
    step.mode = mode
    step.tokens = tokens
    step.cost_usd = cost_usd
    step.finished_at = now()
    step.lease_until = None
    step.error = None
    append_event(
        session,
        tenant_id,
        run.id,
        "step.succeeded",
        step=step.name,
        details={"attempt": attempt, "tokens": tokens, "cost_usd": cost_usd},
    )
    enqueue_event(
        session,
        tenant_id,
        "run.step_succeeded",
        {
            "run_id": run.public_id,
            "workflow": run.workflow,
            "conversation_key": run.conversation_key,
            "step": step.name,
            "attempt": attempt,
        },
    )
    return advance(session, run)


def fail_attempt(
    session: Session,
    tenant_id: str,
    step_id: int,
    attempt: int,
    error: str,
    *,
    final: bool = False,
) -> list[Dispatch] | None:
    """Retry with backoff while attempts are left; then fail the step (and compensate).
    `final`: retrying cannot help (the result is data the database refuses) - fail now."""
    found = _running(session, tenant_id, step_id, attempt)
    if found is None:
        return None
    run, step = found
    return retry_or_fail(session, run, step, error, final=final)


def retry_or_fail(
    session: Session, run: WorkflowRun, step: WorkflowStep, error: str, *, final: bool = False
) -> list[Dispatch]:
    spec = spec_of(run, step)
    step.error = error[:500]
    append_event(
        session,
        run.tenant_id,
        run.id,
        "step.attempt_failed",
        step=step.name,
        details={"attempt": step.attempt, "error": step.error},
    )
    delay = spec.retry.next_delay(step.attempt, give_up=final)
    if delay is not None:
        return [queue_step(session, run, step, spec, attempt=step.attempt + 1, delay=delay)]
    step.status = "failed"
    step.finished_at = now()
    step.lease_until = None
    append_event(
        session, run.tenant_id, run.id, "step.failed", step=step.name, details={"error": step.error}
    )
    if step.is_compensation:
        return advance(session, run)
    return _compensate(session, run, step, spec)


def _compensate(
    session: Session, run: WorkflowRun, failed: WorkflowStep, spec: StepSpec
) -> list[Dispatch]:
    for other in steps_of(session, run.id):
        if not other.is_compensation and other.status in ("pending", "queued", "waiting_approval"):
            other.status = "skipped"  # queued ones will not be claimed; running ones finish
    if spec.on_failure:
        comp = next(s for s in steps_of(session, run.id) if s.name == spec.on_failure)
        if comp.status == "pending":
            comp_spec = template_of(run).step(comp.name)
            return [queue_step(session, run, comp, comp_spec, attempt=1), *advance(session, run)]
    return advance(session, run)


def _locked_step(
    session: Session, tenant_id: str, step_id: int
) -> tuple[WorkflowRun, WorkflowStep] | None:
    """The step and its run, with the run row locked and the step re-read under the lock."""
    step = session.get(WorkflowStep, step_id)
    if step is None:
        return None
    run = lock_run(session, tenant_id, step.run_id)
    if run is None:
        return None
    session.refresh(step)
    return run, step


def _running(
    session: Session, tenant_id: str, step_id: int, attempt: int
) -> tuple[WorkflowRun, WorkflowStep] | None:
    found = _locked_step(session, tenant_id, step_id)
    if found is None:
        return None
    run, step = found
    if step.status != "running" or step.attempt != attempt:
        append_event(
            session,
            tenant_id,
            run.id,
            "step.result_discarded",
            step=step.name,
            details={"attempt": attempt, "status": step.status},
        )
        return None
    return run, step


def decision_text(
    lang: str, *, approved: bool, user: str, at: datetime, note: str | None = None
) -> str:
    return render_lang(
        "workflows/{lang}/approval_decided.md",
        lang,
        approved=approved,
        user=user,
        at=at.strftime("%Y-%m-%d %H:%M"),
        note=note,
    )


__all__ = [
    "STEP_OPEN",
    "Dispatch",
    "advance",
    "aware",
    "claim_step",
    "complete_step",
    "create_run",
    "fail_attempt",
    "finish",
    "lock_run",
    "now",
    "retry_or_fail",
    "steps_of",
]
