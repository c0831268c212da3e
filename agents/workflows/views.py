"""What callers see of a run: plain pydantic views, never ORM rows."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from agents.workflows.engine import aware
from integrations.db.models import WorkflowRun, WorkflowStep


class StepView(BaseModel):
    name: str
    agent: str | None
    kind: str
    status: str
    output: str | None
    duration_seconds: float | None = None  # started to finished (the web console shows it)
    needs: list[str] = []  # steps this one waits for (the run's template as started)
    tokens: int = 0  # LLM tokens the step used (0 offline)
    cost_usd: float = 0.0
    decided_by: str | None = None  # who approved or rejected an approval step
    decision_note: str | None = None  # the reason they gave, in their words


class RunView(BaseModel):
    id: int  # internal: chat, Slack and the CLI say "run 12" within a tenant
    public_id: str  # the id in URLs and payloads (`run_…`)
    workflow: str
    status: str
    created_at: datetime
    conversation_key: str
    user_id: str
    inputs: dict[str, str]
    steps: list[StepView]
    waiting_approval: str | None  # name of the approval step waiting, if any
    approval_role: str | None
    error: str | None = None


def plan_before_approval(run: RunView) -> StepView | None:
    """The nearest succeeded step with an output before the waiting approval: what the
    approver is asked to approve."""
    names = [s.name for s in run.steps]
    if run.waiting_approval not in names:
        return None
    earlier = run.steps[: names.index(run.waiting_approval)]
    return next((s for s in reversed(earlier) if s.status == "succeeded" and s.output), None)


def run_view(run: WorkflowRun, steps: list[WorkflowStep]) -> RunView:
    waiting = next((s for s in steps if s.status == "waiting_approval"), None)
    needs = {
        str(spec.get("name")): [str(n) for n in spec.get("needs") or []]
        for spec in (run.template or {}).get("steps") or []
        if isinstance(spec, dict)
    }
    return RunView(
        id=run.id,
        public_id=run.public_id,
        workflow=run.workflow,
        status=run.status,
        created_at=aware(run.created_at),
        conversation_key=run.conversation_key,
        user_id=run.user_id,
        # "_" inputs are internal bookkeeping (e.g. the quota reference), not shown.
        inputs={k: str(v) for k, v in (run.inputs or {}).items() if not k.startswith("_")},
        steps=[
            StepView(
                name=s.name,
                agent=s.agent,
                kind=s.kind,
                status=s.status,
                output=s.output,
                duration_seconds=_duration(s),
                needs=needs.get(s.name, []),
                tokens=s.tokens or 0,
                cost_usd=s.cost_usd or 0.0,
                decided_by=s.decided_by,
                decision_note=s.decision_note,
            )
            for s in steps
            if not (s.is_compensation and s.status in ("pending", "skipped"))
        ],
        waiting_approval=waiting.name if waiting else None,
        approval_role=waiting.approval_role if waiting else None,
        error=run.error,
    )


def _duration(step: WorkflowStep) -> float | None:
    if step.started_at is None or step.finished_at is None:
        return None
    return max(0.0, (aware(step.finished_at) - aware(step.started_at)).total_seconds())
