"""Which run a message means when it names none: context carry-over for run control.

"status?" = the last run of this conversation; "approve" / "reject" = the run of this
conversation waiting for approval; "cancel" = the newest run of this conversation that is
still active.
"""

from __future__ import annotations

from agents.workflows.service import RunView, WorkflowService
from agents.workflows.states import RUN_ACTIVE
from conversations.state import ConversationState

LOOKBACK = 20


def _runs(service: WorkflowService, state: ConversationState) -> list[RunView]:
    runs = service.list_runs(
        state.tenant_id, conversation_key=state.conversation_key, limit=LOOKBACK
    )
    return sorted(runs, key=lambda r: r.id, reverse=True)


def last_run(service: WorkflowService, state: ConversationState) -> RunView | None:
    runs = _runs(service, state)
    return runs[0] if runs else None


def waiting_run(service: WorkflowService, state: ConversationState) -> RunView | None:
    return next((r for r in _runs(service, state) if r.waiting_approval), None)


def active_run(service: WorkflowService, state: ConversationState) -> RunView | None:
    return next((r for r in _runs(service, state) if r.status in RUN_ACTIVE), None)


def is_active(run: RunView) -> bool:
    return run.status in RUN_ACTIVE
