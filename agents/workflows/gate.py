"""The run-start gate: role checks and the plan quota, in the start's own transaction.

Called from `WorkflowService._before_start`. Refusals are `WorkflowError`s with user-safe
messages: `NotAllowed` names the role needed, `QuotaExceeded` carries the upgrade link.
Nothing is started when either is raised (the start transaction rolls back, and the
reserved run goes back to the counter).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from agents.access import Permission, can, needed_role
from agents.environments import is_protected
from agents.workflows.errors import NotAllowed, WorkflowError
from integrations.billing.quota import QuotaRefusal, QuotaRefused, Reservation, reserve_run_in
from integrations.billing.texts import render_text
from integrations.db.models import Role
from integrations.db.tenants import role_of
from integrations.settings import Settings


class QuotaExceeded(WorkflowError):
    """The plan's quota (or an overdue payment) refuses the start; message has the link."""

    code = "quota_exceeded"

    def __init__(self, refused: QuotaRefused) -> None:
        self.refusal: QuotaRefusal = refused.refusal
        self.code = "quota_exceeded"
        self.values = {}
        self.message = refused.message
        Exception.__init__(self, self.message)

    def message_in(self, lang: str) -> str:
        return render_text(self.refusal.reason, lang, **self.refusal.model_dump())


def is_unapproved_production_deploy(
    workflow: str, inputs: dict[str, str], deploys_unapproved: bool | None = None
) -> bool:
    """A production deploy without an approval step: the `deploy` template aimed at prod.

    `production_deploy` (the route chat takes for production) has an admin approval step,
    so any member may request it; going to production without that step needs the
    `start_production_deploy` permission. The environment is judged by its canonical name
    from the one environment table (`agents/environments.yaml`): "prd", "productie" and
    "PROD" are production here exactly as they are in chat.
    """
    unapproved = workflow == "deploy" if deploys_unapproved is None else deploys_unapproved
    return unapproved and is_protected(inputs.get("environment"))


def _require(role: Role, permission: Permission) -> None:
    if not can(role, permission):
        raise NotAllowed(needed_role(permission).value)


def check_start(
    settings: Settings,
    session: Session,
    *,
    tenant_id: str,
    workflow: str,
    user_id: str,
    inputs: dict[str, str] | None = None,
    lang: str = "en",
    deploys_unapproved: bool | None = None,
) -> Reservation:
    """Refuse or reserve: roles first (no quota is spent on a refused user), then quota.

    A user the database does not know yet counts as a member, the role new users get.
    `deploys_unapproved`: the template has a deploy step no approval step precedes (any
    template, a tenant's own too); None = judge by the name (`deploy`).
    """
    role = role_of(session, user_id) or Role.member
    _require(role, "run_agents")
    if is_unapproved_production_deploy(workflow, inputs or {}, deploys_unapproved):
        _require(role, "start_production_deploy")
    try:
        return reserve_run_in(settings, session, tenant_id, lang=lang)
    except QuotaRefused as refused:
        raise QuotaExceeded(refused) from None
