"""Run one step attempt: claim it, do the work outside any transaction, record the result.

Why the (step id, attempt) pair: a redelivered Celery message, a sweeper re-queue and a
late worker all carry an attempt number; only the attempt the database expects may claim
the step and only a still-running attempt may record a result, so the work of a dead or
superseded worker is discarded instead of completing a run twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from sqlalchemy.exc import DataError, InterfaceError, OperationalError

from agents.crew.runner import Upstream
from agents.workflows.dispatch import dispatch
from agents.workflows.engine import (
    Dispatch,
    claim_step,
    complete_step,
    fail_attempt,
    steps_of,
    template_of,
)
from agents.workflows.errors import error_message
from agents.workflows.lease import Heartbeat
from agents.workflows.notices import flush_notices
from agents.workflows.perform import StepContext, UserSafeError, perform
from agents.workflows.refund import refund_if_no_result
from agents.workflows.spec import WorkflowTemplate
from integrations.backoff import call_outlasting
from integrations.billing.quota import record_step_tokens
from integrations.db.session import tenant_session
from integrations.observability.logging import bound_context, get_logger
from integrations.observability.metrics import (
    AGENT_COST,
    AGENT_STEPS,
    AGENT_TOKENS,
    WORKFLOW_STEP_SECONDS,
)
from integrations.observability.tracing import span
from integrations.settings import Settings

log = get_logger(__name__)
BAD_DATA_ERROR = "the step's result contains characters that cannot be stored (e.g. NUL)"

T = TypeVar("T")
# Recording a finished step's result survives a database blip of this long; after that the
# task fails with the error and Celery retries it (the step is never acknowledged as done).
RECORD_RETRY_SECONDS = 60.0


def execute_step(settings: Settings, tenant_id: str, step_id: int, attempt: int) -> str:
    """Returns what happened: skipped | succeeded | retrying | failed | discarded."""
    claimed = _claim(settings, tenant_id, step_id, attempt)
    if claimed is None:
        log.info("step_claim_skipped", step_id=step_id, attempt=attempt)
        return "skipped"
    ctx, started_at = claimed
    with (
        bound_context(
            run_id=ctx.run_id,
            tenant_id=tenant_id,
            conversation_id=ctx.conversation_key,
            step=ctx.step,
            attempt=attempt,
        ),
        span(
            "bmad.step",
            step=ctx.step,
            kind=ctx.kind,
            agent=ctx.agent,
            run_id=ctx.run_id,
            workflow=ctx.workflow,
            attempt=attempt,
        ),
        Heartbeat(settings, tenant_id, step_id, attempt, started_at, ctx.spec),
    ):
        return _execute(settings, ctx)


def _execute(settings: Settings, ctx: StepContext) -> str:
    tenant_id, step_id, attempt = ctx.tenant_id, ctx.step_id, ctx.attempt
    started = time.perf_counter()
    try:
        result = perform(settings, ctx)
    except Exception as err:  # the step's own failure: retry policy decides
        WORKFLOW_STEP_SECONDS.labels(ctx.kind, ctx.agent or "-", "error").observe(
            time.perf_counter() - started
        )
        log.warning("step_attempt_failed", error=type(err).__name__, detail=str(err)[:200])
        reason = _describe(err, ctx.lang)

        def record_failure() -> list[Dispatch] | None:
            with tenant_session(settings.database_url, tenant_id) as session:
                return fail_attempt(session, tenant_id, step_id, attempt, reason)

        plan = _with_db_retries(record_failure)
        outcome = "discarded" if plan is None else "failed"
        if plan is not None:
            refund_if_no_result(settings, tenant_id, ctx.run_id)
    else:
        WORKFLOW_STEP_SECONDS.labels(ctx.kind, ctx.agent or "-", "ok").observe(
            time.perf_counter() - started
        )

        def record_success() -> list[Dispatch] | None:
            with tenant_session(settings.database_url, tenant_id) as session:
                return complete_step(
                    session,
                    tenant_id,
                    step_id,
                    attempt,
                    output=result.text,
                    data=result.data,
                    mode=result.mode if ctx.kind == "agent" else None,
                    tokens=result.tokens,
                    cost_usd=result.cost_usd,
                )

        try:
            plan = _with_db_retries(record_success)
            outcome = "discarded" if plan is None else "succeeded"
        except DataError as err:
            # The database refuses the result itself (e.g. a NUL byte): every retry would
            # produce it again, so the step fails once, saying why, and gives the quota back.
            log.warning("step_result_refused", error=type(err.orig).__name__)

            def record_refused() -> list[Dispatch] | None:
                with tenant_session(settings.database_url, tenant_id) as session:
                    return fail_attempt(
                        session, tenant_id, step_id, attempt, BAD_DATA_ERROR, final=True
                    )

            plan = _with_db_retries(record_refused)
            outcome = "discarded" if plan is None else "failed"
            if plan is not None:
                refund_if_no_result(settings, tenant_id, ctx.run_id)
        if ctx.kind == "agent" and ctx.agent:
            AGENT_STEPS.labels(ctx.agent, result.mode or "offline").inc()
        if plan is not None and ctx.agent and result.tokens:
            AGENT_TOKENS.labels(tenant_id, ctx.agent).inc(result.tokens)
            AGENT_COST.labels(tenant_id, ctx.agent).inc(result.cost_usd)
            # Plan metering: once per step attempt (the ref), whatever retries happen.
            record_step_tokens(settings, tenant_id, result.tokens, f"step-{step_id}-{attempt}")
    log.info("step_attempt_done", outcome=outcome)
    if plan:
        dispatch(settings, plan)
    flush_notices(settings, ctx.tenant_id, ctx.run_id)
    return outcome


def _with_db_retries(record: Callable[[], T]) -> T:
    """The work is done; do not lose it to a database restart: retry the transaction with
    backoff (it is idempotent: only a still-running attempt can record its result)."""
    return call_outlasting(
        record,
        (OperationalError, InterfaceError),
        within=RECORD_RETRY_SECONDS,
        event="step_record_retry",
    )


def _describe(err: Exception, lang: str) -> str:
    """The reason stored on the step and shown to users: our own user-safe messages only.

    Exception class names and library/vendor texts stay in the log (`step_attempt_failed`).
    """
    if isinstance(err, UserSafeError):
        return str(err)[:200]
    return error_message("step_failed", lang)


def _claim(
    settings: Settings, tenant_id: str, step_id: int, attempt: int
) -> tuple[StepContext, datetime] | None:
    with tenant_session(settings.database_url, tenant_id) as session:
        claimed = claim_step(session, tenant_id, step_id, attempt, settings.step_lease_seconds)
        if claimed is None:
            return None
        run, step, started_at = claimed
        template = template_of(run)
        spec = template.step(step.name)
        steps = {s.name: s for s in steps_of(session, run.id)}
        ancestors = _ancestors(template, step.name)
        upstream = [
            Upstream(name=name, agent=steps[name].agent, output=steps[name].output or "")
            for name in ancestors
            if steps[name].status == "succeeded" and steps[name].output
        ]
        outputs = {
            s.name: s.output or "" for s in steps.values() if s.status == "succeeded" and s.output
        }
        context = StepContext(
            tenant_id=tenant_id,
            run_id=run.id,
            workflow=run.workflow,
            step_id=step.id,
            step=step.name,
            kind=step.kind,
            agent=step.agent,
            task=step.task,
            attempt=attempt,
            lang=run.lang,
            inputs=dict(run.inputs),
            conversation_key=run.conversation_key,
            run_public_id=run.public_id,
            spec=spec,
            upstream=upstream,
            outputs=outputs,
        )
        return context, started_at


def _ancestors(template: WorkflowTemplate, name: str) -> list[str]:
    """Every step `name` depends on, directly or not, in template order."""
    wanted: set[str] = set()
    todo = list(template.step(name).needs)
    while todo:
        dep = todo.pop()
        if dep not in wanted:
            wanted.add(dep)
            todo.extend(template.step(dep).needs)
    return [s.name for s in template.steps if s.name in wanted]
