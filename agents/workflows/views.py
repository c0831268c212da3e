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


class RunView(BaseModel):
    id: int
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


def run_view(run: WorkflowRun, steps: list[WorkflowStep]) -> RunView:
    waiting = next((s for s in steps if s.status == "waiting_approval"), None)
    return RunView(
        id=run.id,
        workflow=run.workflow,
        status=run.status,
        created_at=aware(run.created_at),  # type: ignore[arg-type]
        conversation_key=run.conversation_key,
        user_id=run.user_id,
        inputs={k: str(v) for k, v in (run.inputs or {}).items()},
        steps=[
            StepView(name=s.name, agent=s.agent, kind=s.kind, status=s.status, output=s.output)
            for s in steps
            if not (s.is_compensation and s.status in ("pending", "skipped"))
        ],
        waiting_approval=waiting.name if waiting else None,
        approval_role=waiting.approval_role if waiting else None,
        error=run.error,
    )
