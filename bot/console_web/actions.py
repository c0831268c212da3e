"""Which run buttons a user sees. Display only: the workflow service decides again on POST
(role, four eyes on production), so a forged form gets the same refusal as Slack or the API."""

from __future__ import annotations

from agents.workflows.service import CANCEL_ROLE, RunView, is_production_run
from agents.workflows.states import RUN_TERMINAL
from integrations.db.models import Role

ACTIONS = ("approve", "reject", "cancel")


def is_production(run: RunView) -> bool:
    return is_production_run(run.workflow, run.inputs)


def allowed_actions(run: RunView, user_id: str, role: Role, *, self_approval: bool) -> list[str]:
    actions = []
    if run.waiting_approval and role.at_least(Role(run.approval_role or "admin")):
        own_production = run.user_id == user_id and is_production(run)
        if not own_production or self_approval:  # four eyes: someone else approves
            actions.append("approve")
        actions.append("reject")
    if run.status not in RUN_TERMINAL and (run.user_id == user_id or role.at_least(CANCEL_ROLE)):
        actions.append("cancel")
    return actions
