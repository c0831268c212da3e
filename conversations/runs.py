"""Which run a message means when it names none: context carry-over for run control.

"status?" = the last run of this conversation; "approve" / "reject" = the run of this
conversation waiting for approval; "cancel" = the newest run of this conversation that is
still active. A message that names a run's service ("approve the payments deploy") means
that run; with several waiting and none named, the user is asked which (`meant`).
"""

from __future__ import annotations

import re

from agents.workflows.service import RunView, WorkflowService
from agents.workflows.states import RUN_ACTIVE
from conversations.nlu.extract import SERVICE_SEPARATOR
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


def candidates(service: WorkflowService, state: ConversationState, action: str) -> list[RunView]:
    """The runs of this conversation an action without a run number may mean, newest first."""
    runs = _runs(service, state)
    if action in ("approve", "reject"):
        return [r for r in runs if r.waiting_approval]
    if action == "cancel":
        return [r for r in runs if r.status in RUN_ACTIVE]
    return runs


def meant(
    service: WorkflowService, state: ConversationState, action: str, text: str
) -> list[RunView]:
    """The candidates whose service the message names; all of them when it names none of
    this conversation's services; none when it names a service of other runs only
    ("approve the payments deploy" while only checkout waits)."""
    said = set(re.findall(r"[\w.-]+", text.lower()))
    everything = _runs(service, state)
    mentioned = set().union(*(_services(r) for r in everything)) & said
    options = candidates(service, state, action)
    if not mentioned:
        return options
    return [r for r in options if _services(r) & mentioned]


def decided(
    service: WorkflowService, state: ConversationState, verdict: str, text: str
) -> list[RunView]:
    """The runs the message means (by service, as `meant`) whose approval was decided
    `verdict` ("approved" / "rejected"), newest first."""
    status = "succeeded" if verdict == "approved" else "rejected"
    return [
        r
        for r in meant(service, state, "status", text)
        if any(s.decided_by and s.status == status for s in r.steps)
    ]


def _services(run: RunView) -> set[str]:
    listed = run.inputs.get("service", "")
    return {s.strip().lower() for s in listed.split(SERVICE_SEPARATOR.strip()) if s.strip()}


def is_active(run: RunView) -> bool:
    return run.status in RUN_ACTIVE
