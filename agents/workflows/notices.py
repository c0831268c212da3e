"""Turn committed state into notices, deliver them, and remember that they went out.

Why a flush instead of "notify right after the step": the state change commits first, the
notice is sent afterwards with a dedupe key, and only then is `notified_at` set. A crash in
between leaves `notified_at` empty, the sweeper flushes again, and the dedupe key drops the
duplicate, so each step result (and each approval request) reaches the conversation once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import object_session

from agents.crew.templates import render_lang
from agents.notify import Notice, deliver
from agents.roster import get_agent
from agents.workflows.engine import aware, now, steps_of, template_of
from agents.workflows.states import RUN_TERMINAL
from integrations.db.models import Role, WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)

RESULT_KINDS = ("agent", "deploy", "notify")


@dataclass(frozen=True)
class _Pending:
    """A notice not yet announced, and what announcing it marks as done."""

    about: Literal["step", "run", "run_silent"]  # run_silent: marked done, never sent
    step_id: int | None
    notice: Notice


def _pending(run: WorkflowRun, steps: list[WorkflowStep]) -> list[_Pending]:
    """Everything of this run not yet announced."""
    out: list[_Pending] = []
    base = {
        "tenant_id": run.tenant_id,
        "conversation_key": run.conversation_key,
        "run_id": run.id,
        "run_public_id": run.public_id,
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
            _Pending(
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
                    extra={
                        "mode": step.mode or "",
                        "workflow": run.workflow,
                        "requester": run.user_id,
                    },
                ),
            )
        )
    for step in steps:
        if step.status == "waiting_approval" and step.notified_at is None:
            out.append(_Pending("step", step.id, _approval_notice(run, step, base)))
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
            extra={"status": run.status, "workflow": run.workflow, "requester": run.user_id},
        )
        out.append(_Pending("run" if wanted else "run_silent", None, notice))
    return out


def _notify_finish(run: WorkflowRun) -> bool:
    try:
        return template_of(run).notify_finish
    except ValidationError:  # a run row without a usable template (imported, hand-made)
        return True


def _approval_notice(run: WorkflowRun, step: WorkflowStep, base: dict) -> Notice:
    escalated = step.escalated_at is not None
    escalate_to = _escalation_role(run, step) if escalated else ""
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
        escalate_to=escalate_to,
        deadline=deadline.strftime("%Y-%m-%d %H:%M") if deadline else "",
    )
    suffix = "escalated" if escalated else "approval"
    return Notice(
        **base,
        kind="approval_request",
        text=text,
        step=step.name,
        approval_role=step.approval_role,
        escalated=escalated,
        escalate_to=escalate_to or None,
        dedupe_key=f"run:{run.id}:step:{step.name}:{suffix}",
        extra={
            "workflow": run.workflow,
            **approval_facts(run, step, steps_before=_earlier_outputs(run, step)),
        },
    )


PLAN_SUMMARY_CHARS = 600
FACT_INPUTS = ("service", "environment", "version")


def _earlier_outputs(run: WorkflowRun, step: WorkflowStep) -> list[WorkflowStep]:
    """Succeeded steps before the approval, nearest first: the plan people approve."""
    session = object_session(run)
    if session is None:
        return []
    earlier = [
        s
        for s in steps_of(session, run.id)
        if s.position < step.position and s.status == "succeeded" and s.output
    ]
    return sorted(earlier, key=lambda s: s.position, reverse=True)


def plan_summary(output: str) -> str:
    """The start of the plan an approver reads, cut at a line end."""
    plan = output.strip()
    if len(plan) > PLAN_SUMMARY_CHARS:
        plan = plan[:PLAN_SUMMARY_CHARS].rsplit("\n", 1)[0].rstrip() + " …"
    return plan


def approval_facts(
    run: WorkflowRun, step: WorkflowStep, *, steps_before: list[WorkflowStep]
) -> dict[str, str]:
    """What an approver needs to judge the request, as plain facts (each channel renders
    them its own way: Slack mentions the requester and shows the deadline in the reader's
    time zone)."""
    inputs = {str(k): str(v) for k, v in (run.inputs or {}).items()}
    facts = {name: inputs[name] for name in FACT_INPUTS if inputs.get(name)}
    facts["requester"] = run.user_id
    deadline = aware(step.deadline_at)
    if deadline:
        facts["deadline"] = deadline.isoformat()
    if steps_before:
        facts["plan_summary"] = plan_summary(steps_before[0].output or "")
        facts["plan_step"] = steps_before[0].name
    return facts


def announce_decision(
    settings: Settings,
    tenant_id: str,
    run_id: int,
    *,
    approved: bool,
    user_id: str,
    expired: bool = False,
) -> None:
    """Tell the run's conversation that its approval was decided - whoever decided and
    wherever (button, command, App Home, API, CLI), or that it expired undecided: channels
    update the request message. Delivered once per step decision (dedupe key)."""
    with tenant_session(settings.database_url, tenant_id) as session:
        run = session.get(WorkflowRun, run_id)
        if run is None:
            return
        closed = [
            s
            for s in steps_of(session, run_id)
            if s.kind == "approval" and (s.decided_at or (expired and s.status == "expired"))
        ]
        if not closed:
            return
        step = max(closed, key=lambda s: aware(s.decided_at or s.finished_at))  # type: ignore[arg-type, return-value]
        at = aware(step.decided_at or step.finished_at)
        notice = Notice(
            tenant_id=run.tenant_id,
            conversation_key=run.conversation_key,
            run_id=run.id,
            run_public_id=run.public_id,
            lang=run.lang,
            kind="approval_decided",
            text=step.output or "",
            step=step.name,
            approval_role=step.approval_role,
            dedupe_key=f"run:{run.id}:step:{step.name}:decided",
            extra={
                "workflow": run.workflow,
                "approved": "1" if approved else "0",
                "outcome": "expired" if expired else ("approved" if approved else "rejected"),
                "decided_by": user_id,
                "decided_at": at.isoformat() if at else "",
                "reason": step.decision_note or "",
            },
        )
    deliver(settings, notice)


def _escalation_role(run: WorkflowRun, step: WorkflowStep) -> str:
    """The step's `escalate_to`, else the role above the one it needs (admin -> owner)."""
    try:
        configured = template_of(run).step(step.name).escalate_to
    except (ValidationError, KeyError):
        configured = None
    return configured or Role(step.approval_role or "admin").next_up().value


def flush_notices(settings: Settings, tenant_id: str, run_id: int) -> int:
    """Deliver what this run has not announced yet; returns how many were new."""
    with tenant_session(settings.database_url, tenant_id) as session:
        run = session.get(WorkflowRun, run_id)
        if run is None:
            return 0
        pending = _pending(run, steps_of(session, run_id))
    sent = 0
    for item in pending:
        if item.about != "run_silent" and deliver(settings, item.notice):
            sent += 1
    if not pending:
        return 0
    sent_escalated = {item.step_id: item.notice.escalated for item in pending}
    with tenant_session(settings.database_url, tenant_id) as session:
        step_ids = [i.step_id for i in pending if i.about == "step" and i.step_id is not None]
        stamp = now()
        if step_ids:
            for step in session.scalars(select(WorkflowStep).where(WorkflowStep.id.in_(step_ids))):
                sent_escalation = sent_escalated.get(step.id, False)
                if step.status == "waiting_approval" and sent_escalation != (
                    step.escalated_at is not None
                ):
                    continue  # escalated meanwhile: the reminder is still to be sent
                if step.notified_at is None:
                    step.notified_at = stamp
        if any(item.about in ("run", "run_silent") for item in pending):
            run = session.get(WorkflowRun, run_id)
            if run is not None and run.finish_notified_at is None:
                run.finish_notified_at = stamp
    if sent:
        log.info("notices_sent", run_id=run_id, count=sent)
    return sent
