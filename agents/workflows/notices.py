"""Turn committed state into notices, deliver them, and remember that they went out.

Why a flush instead of "notify right after the step": the state change commits first, the
notice is sent afterwards with a dedupe key, and only then is `notified_at` set. A crash in
between leaves `notified_at` empty, the sweeper flushes again, and the dedupe key drops the
duplicate, so each step result (and each approval request) reaches the conversation once.
"""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy import select

from agents.crew.templates import render_lang
from agents.notify import Notice, deliver
from agents.roster import get_agent
from agents.workflows.engine import aware, steps_of, template_of
from agents.workflows.states import RUN_TERMINAL
from integrations.db.models import WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

RESULT_KINDS = ("agent", "deploy", "notify")


def _pending(run: WorkflowRun, steps: list[WorkflowStep]) -> list[tuple[str, int | None, Notice]]:
    """(what, step id, notice) for everything of this run not yet announced."""
    out: list[tuple[str, int | None, Notice]] = []
    base = {
        "tenant_id": run.tenant_id,
        "conversation_key": run.conversation_key,
        "run_id": run.id,
        "lang": run.lang,
    }
    done = sorted(
        (
            s
            for s in steps
            if s.notified_at is None and s.status == "succeeded" and s.kind in RESULT_KINDS
        ),
        key=lambda s: (aware(s.finished_at) or aware(run.created_at), s.position),
    )
    for step in done:
        agent = get_agent(step.agent) if step.agent else None
        title = render_lang(
            "workflows/{lang}/step_title.md",
            run.lang,
            agent_name=agent.name if agent else None,
            step=step.name,
            run_id=run.id,
        )
        out.append(
            (
                "step",
                step.id,
                Notice(
                    **base,
                    kind="step_result" if step.kind != "notify" else "info",
                    text=step.output or "",
                    title=title,
                    agent=step.agent,
                    step=step.name,
                    tokens=step.tokens,
                    dedupe_key=f"run:{run.id}:step:{step.name}:result",
                    extra={"mode": step.mode or "", "workflow": run.workflow},
                ),
            )
        )
    for step in steps:
        if step.status == "waiting_approval" and step.notified_at is None:
            out.append(("step", step.id, _approval_notice(run, step, base)))
    if run.status in RUN_TERMINAL and run.finish_notified_at is None:
        wanted = run.status != "succeeded" or _notify_finish(run)
        failed = next((s.name for s in steps if s.status == "failed"), None)
        notice = Notice(
            **base,
            kind="run_finished",
            dedupe_key=f"run:{run.id}:finished",
            text=render_lang(
                "workflows/{lang}/run_finished.md",
                run.lang,
                run_id=run.id,
                workflow=run.workflow,
                status=run.status,
                error=run.error,
                failed_step=failed,
            ),
            extra={"status": run.status, "workflow": run.workflow},
        )
        out.append(("run" if wanted else "run-silent", None, notice))
    return out


def _notify_finish(run: WorkflowRun) -> bool:
    try:
        return template_of(run).notify_finish
    except ValidationError:  # a run row without a usable template (imported, hand-made)
        return True


def _approval_notice(run: WorkflowRun, step: WorkflowStep, base: dict) -> Notice:
    escalated = step.escalated_at is not None
    deadline = aware(step.deadline_at)
    text = render_lang(
        "workflows/{lang}/approval_escalated.md"
        if escalated
        else "workflows/{lang}/approval_request.md",
        run.lang,
        run_id=run.id,
        workflow=run.workflow,
        step=step.name,
        role=step.approval_role,
        deadline=deadline.strftime("%Y-%m-%d %H:%M") if deadline else "",
    )
    suffix = "escalated" if escalated else "approval"
    return Notice(
        **base,
        kind="approval_request",
        text=text,
        step=step.name,
        approval_role=step.approval_role,
        dedupe_key=f"run:{run.id}:step:{step.name}:{suffix}",
        extra={"workflow": run.workflow, "escalated": "1" if escalated else "0"},
    )


def flush_notices(settings: Settings, tenant_id: str, run_id: int) -> int:
    """Deliver what this run has not announced yet; returns how many were new."""
    with tenant_session(settings.database_url, tenant_id) as session:
        run = session.get(WorkflowRun, run_id)
        if run is None:
            return 0
        pending = _pending(run, steps_of(session, run_id))
    sent = 0
    for what, _step_id, notice in pending:
        if what != "run-silent" and deliver(settings, notice):
            sent += 1
    if not pending:
        return 0
    sent_kind = {
        sid: "escalated" if n.extra.get("escalated") == "1" else "" for _, sid, n in pending
    }
    with tenant_session(settings.database_url, tenant_id) as session:
        step_ids = [sid for what, sid, _ in pending if what == "step" and sid is not None]
        from agents.workflows.engine import now

        stamp = now()
        if step_ids:
            for step in session.scalars(select(WorkflowStep).where(WorkflowStep.id.in_(step_ids))):
                sent_escalation = sent_kind.get(step.id) == "escalated"
                if step.status == "waiting_approval" and sent_escalation != (
                    step.escalated_at is not None
                ):
                    continue  # escalated meanwhile: the reminder is still to be sent
                if step.notified_at is None:
                    step.notified_at = stamp
        if any(what in ("run", "run-silent") for what, _, _ in pending):
            run = session.get(WorkflowRun, run_id)
            if run is not None and run.finish_notified_at is None:
                run.finish_notified_at = stamp
    if sent:
        log.info("notices_sent", run_id=run_id, count=sent)
    return sent
