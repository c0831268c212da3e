"""Run one step attempt: claim it, do the work outside any transaction, record the result.

Why the (step id, attempt) pair: a redelivered Celery message, a sweeper re-queue and a
late worker all carry an attempt number; only the attempt the database expects may claim
the step and only a still-running attempt may record a result, so the work of a dead or
superseded worker is discarded instead of completing a run twice.
"""

from __future__ import annotations

import time

from agents.crew.runner import Upstream
from agents.workflows.dispatch import dispatch
from agents.workflows.engine import (
    claim_step,
    complete_step,
    fail_attempt,
    steps_of,
    template_of,
)
from agents.workflows.notices import flush_notices
from agents.workflows.perform import StepContext, perform
from integrations.billing.quota import record_step_tokens
from integrations.db.session import tenant_session
from integrations.observability.logging import bound_context, get_logger
from integrations.observability.metrics import AGENT_COST, AGENT_TOKENS, WORKFLOW_STEP_SECONDS
from integrations.settings import Settings

log = get_logger(__name__)


def execute_step(settings: Settings, tenant_id: str, step_id: int, attempt: int) -> str:
    """Returns what happened: skipped | succeeded | retrying | failed | discarded."""
    ctx = _claim(settings, tenant_id, step_id, attempt)
    if ctx is None:
        log.info("step_claim_skipped", step_id=step_id, attempt=attempt)
        return "skipped"
    with bound_context(
        run_id=ctx.run_id,
        tenant_id=tenant_id,
        conversation_id=ctx.conversation_key,
        step=ctx.step,
        attempt=attempt,
    ):
        started = time.perf_counter()
        try:
            result = perform(settings, ctx)
        except Exception as err:  # the step's own failure: retry policy decides
            WORKFLOW_STEP_SECONDS.labels(ctx.kind, "error").observe(time.perf_counter() - started)
            log.warning("step_attempt_failed", error=type(err).__name__, detail=str(err)[:200])
            with tenant_session(settings.database_url, tenant_id) as session:
                plan = fail_attempt(session, tenant_id, step_id, attempt, _describe(err))
            outcome = "discarded" if plan is None else "failed"
        else:
            WORKFLOW_STEP_SECONDS.labels(ctx.kind, "ok").observe(time.perf_counter() - started)
            with tenant_session(settings.database_url, tenant_id) as session:
                plan = complete_step(
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
            outcome = "discarded" if plan is None else "succeeded"
            if plan is not None and ctx.agent and result.tokens:
                AGENT_TOKENS.labels(ctx.agent).inc(result.tokens)
                AGENT_COST.labels(ctx.agent).inc(result.cost_usd)
                # Plan metering: once per step attempt (the ref), whatever retries happen.
                record_step_tokens(settings, tenant_id, result.tokens, f"step-{step_id}-{attempt}")
        log.info("step_attempt_done", outcome=outcome)
        if plan:
            dispatch(settings, plan)
        flush_notices(settings, tenant_id, ctx.run_id)
        return outcome


def _describe(err: Exception) -> str:
    """A short, secret-free reason stored on the step (no tracebacks, no URLs with tokens)."""
    return f"{type(err).__name__}: {str(err).split('://')[0][:200]}"


def _claim(settings: Settings, tenant_id: str, step_id: int, attempt: int) -> StepContext | None:
    with tenant_session(settings.database_url, tenant_id) as session:
        claimed = claim_step(session, tenant_id, step_id, attempt)
        if claimed is None:
            return None
        run, step = claimed
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
        return StepContext(
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
            spec=spec,
            upstream=upstream,
            outputs=outputs,
        )


def _ancestors(template, name: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every step `name` depends on, directly or not, in template order."""
    wanted: set[str] = set()
    todo = list(template.step(name).needs)
    while todo:
        dep = todo.pop()
        if dep not in wanted:
            wanted.add(dep)
            todo.extend(template.step(dep).needs)
    return [s.name for s in template.steps if s.name in wanted]
