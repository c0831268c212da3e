"""The workflow service: what the conversation layer, the API and the CLI call.

Why a facade: callers start, inspect and decide runs without knowing about steps,
leases, Celery or notices; every state change here commits together with its audit
entry and outbox event (same `tenant_session`), then the work is dispatched.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from agents.environments import is_protected
from agents.roster import get_task
from agents.workflows.dispatch import dispatch
from agents.workflows.embedded_beat import start_embedded_beat
from agents.workflows.engine import (
    Dispatch,
    advance,
    aware,
    create_run,
    decision_text,
    finish,
    lock_run,
    now,
    steps_of,
    steps_of_runs,
    template_of,
)
from agents.workflows.errors import (
    InvalidTransition,
    NotAllowed,
    RunNotFound,
    WorkflowError,
)
from agents.workflows.events import append_event
from agents.workflows.gate import check_start
from agents.workflows.loader import load_template
from agents.workflows.notices import RESULT_KINDS, announce_decision, flush_notices
from agents.workflows.refund import QUOTA_REF_INPUT
from agents.workflows.spec import WorkflowTemplate
from agents.workflows.states import RUN_TERMINAL, STEP_ACTIVE
from agents.workflows.views import RunView, StepView, run_view
from integrations.billing.quota import Reservation
from integrations.db.events import enqueue_event, record_audit
from integrations.db.models import Role, WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of, self_approval_allowed, users_with_role
from integrations.observability.logging import bound_context, get_logger
from integrations.observability.metrics import APPROVAL_WAIT_SECONDS, WORKFLOW_RUNS_STARTED
from integrations.security.text_hygiene import clean_text
from integrations.settings import Settings

__all__ = [
    "InvalidTransition",
    "NotAllowed",
    "RunNotFound",
    "RunView",
    "StepView",
    "WorkflowError",
    "WorkflowService",
]

log = get_logger(__name__)

# Who may cancel someone else's run.
CANCEL_ROLE = Role.admin

_recovered: set[str] = set()
_recover_lock = threading.Lock()


class WorkflowService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        if settings.queue == "eager":
            self._recover_once()
            start_embedded_beat(settings)

    # --- starting ---------------------------------------------------------------------------

    def start(
        self,
        *,
        tenant_id: str,
        workflow: str,
        inputs: dict[str, str],
        conversation_key: str,
        user_id: str,
        lang: str = "en",
    ) -> RunView:
        template = load_template(self.settings, tenant_id, workflow)
        # Every channel (chat, API, CLI, webhooks) comes through here: no control characters
        # reach the gate, the database or a deploy hook.
        inputs = {clean_text(str(k)): clean_text(str(v)) for k, v in inputs.items()}
        missing = [k for k in template.inputs if not inputs.get(k)]
        if missing:
            raise WorkflowError("missing_input", workflow=workflow, missing=", ".join(missing))
        resolved = _resolve_steps(template, inputs)
        with tenant_session(self.settings.database_url, tenant_id) as session:
            reservation = self._before_start(
                session,
                tenant_id=tenant_id,
                workflow=workflow,
                user_id=user_id,
                inputs=inputs,
                lang=lang,
                deploys_unapproved=deploys_without_approval(template),
            )
            run, plan = create_run(
                session,
                tenant_id,
                template,
                inputs=inputs,
                conversation_key=conversation_key,
                user_id=user_id,
                lang=lang if lang in ("en", "nl") else "en",
                resolved=resolved,
            )
            if reservation is not None:
                # Which quota entry this run holds: a run that ends without any result
                # (our or the provider's failure) gives it back (agents.workflows.refund).
                run.inputs = {**run.inputs, QUOTA_REF_INPUT: reservation.ref}
            run_id = run.id
        WORKFLOW_RUNS_STARTED.labels(workflow).inc()
        with bound_context(run_id=run_id, tenant_id=tenant_id, conversation_id=conversation_key):
            log.info("run_started", workflow=workflow, steps=len(plan))
        self._after_commit(tenant_id, run_id, plan)
        return self.get(tenant_id, run_id)

    def _before_start(
        self,
        session: Session,
        *,
        tenant_id: str,
        workflow: str,
        user_id: str,
        inputs: dict[str, str],
        lang: str,
        deploys_unapproved: bool | None = None,
    ) -> Reservation | None:
        """Hook run inside the start transaction, before the run row exists.

        Role checks and the plan quota (`agents.workflows.gate.check_start`): a refusal is a
        `WorkflowError` (NotAllowed / QuotaExceeded); the reserved run's ledger entry
        commits with the run and rolls back with it.
        """
        return check_start(
            self.settings,
            session,
            tenant_id=tenant_id,
            workflow=workflow,
            user_id=user_id,
            inputs=inputs,
            lang=lang,
            deploys_unapproved=deploys_unapproved,
        )

    # --- reading ------------------------------------------------------------------------------

    def get(self, tenant_id: str, run_id: int) -> RunView:
        with tenant_session(self.settings.database_url, tenant_id) as session:
            run = session.get(WorkflowRun, run_id)
            if run is None:
                raise RunNotFound(run_id=run_id)
            return run_view(run, steps_of(session, run_id))

    def resolve(self, tenant_id: str, public_id: str) -> int:
        """The internal id of the tenant's run with this public id (`run_…`, what URLs and
        payloads carry); RunNotFound for any other string, internal numbers included."""
        with tenant_session(self.settings.database_url, tenant_id) as session:
            run = session.scalars(select(WorkflowRun).where(WorkflowRun.public_id == public_id))
            found = run.first()
            if found is None:
                raise RunNotFound(run_id=public_id)
            return found.id

    def public_ids(self, tenant_id: str, run_ids: list[int]) -> dict[int, str]:
        """Internal id -> public id of these runs, in the order given (unknown ones left out)."""
        if not run_ids:
            return {}
        with tenant_session(self.settings.database_url, tenant_id) as session:
            runs = session.scalars(select(WorkflowRun).where(WorkflowRun.id.in_(run_ids)))
            by_id = {r.id: r.public_id for r in runs}
        return {i: by_id[i] for i in run_ids if i in by_id}

    def list_runs(
        self,
        tenant_id: str,
        *,
        conversation_key: str | None = None,
        status: str | None = None,
        workflow: str | None = None,
        user_id: str | None = None,
        since: datetime | None = None,
        limit: int = 20,
        before: int | None = None,
    ) -> list[RunView]:
        """Newest first; `before` (a run id) continues a previous page (keyset cursor).
        The other arguments filter: all given ones must hold."""
        with tenant_session(self.settings.database_url, tenant_id) as session:
            query = (
                select(WorkflowRun).order_by(WorkflowRun.id.desc()).limit(max(1, min(limit, 500)))
            )
            if before is not None:
                query = query.where(WorkflowRun.id < before)
            if conversation_key is not None:
                query = query.where(WorkflowRun.conversation_key == conversation_key)
            if status is not None:
                query = query.where(WorkflowRun.status == status)
            if workflow is not None:
                query = query.where(WorkflowRun.workflow == workflow)
            if user_id is not None:
                query = query.where(WorkflowRun.user_id == user_id)
            if since is not None:
                query = query.where(WorkflowRun.created_at >= since)
            runs = list(session.scalars(query))
            steps = steps_of_runs(session, [r.id for r in runs])
            return [run_view(r, steps[r.id]) for r in runs]

    def events(self, tenant_id: str, run_id: int) -> list[dict[str, object]]:
        """The run's event trail, oldest first (for `bmad runs show` and audits)."""
        from integrations.db.models import WorkflowEvent

        with tenant_session(self.settings.database_url, tenant_id) as session:
            if session.get(WorkflowRun, run_id) is None:
                raise RunNotFound(run_id=run_id)
            rows = session.scalars(
                select(WorkflowEvent)
                .where(WorkflowEvent.run_id == run_id)
                .order_by(WorkflowEvent.id)
            )
            return [
                {
                    "type": e.type,
                    "step": e.step,
                    "actor": e.actor,
                    "details": e.details,
                    "at": e.created_at.isoformat(),
                }
                for e in rows
            ]

    # --- decisions -------------------------------------------------------------------------------

    def approve(self, tenant_id: str, run_id: int, user_id: str) -> RunView:
        return self._decide(tenant_id, run_id, user_id, approved=True)

    def reject(
        self, tenant_id: str, run_id: int, user_id: str, reason: str | None = None
    ) -> RunView:
        """`reason`: why, in the approver's words; kept with the decision and shown with it."""
        return self._decide(tenant_id, run_id, user_id, approved=False, reason=reason)

    def _decide(
        self,
        tenant_id: str,
        run_id: int,
        user_id: str,
        *,
        approved: bool,
        reason: str | None = None,
    ) -> RunView:
        action = "approval.approved" if approved else "approval.rejected"
        try:
            with tenant_session(self.settings.database_url, tenant_id) as session:
                run = lock_run(session, tenant_id, run_id)
                if run is None:
                    raise RunNotFound(run_id=run_id)
                step = next(
                    (s for s in steps_of(session, run_id) if s.status == "waiting_approval"), None
                )
                if step is None:
                    raise InvalidTransition("no_approval_waiting", run_id=run_id)
                required = Role(step.approval_role or "admin")
                role = role_of(session, user_id)
                if role is None or not role.at_least(required):
                    raise NotAllowed(required.value)
                if approved:
                    _check_four_eyes(session, tenant_id, run, user_id, required)
                at = now()
                step.status = "succeeded" if approved else "rejected"
                step.decided_by = user_id
                step.decided_at = at
                note = _decision_note(reason)
                step.decision_note = note
                _record_approval_wait(run, step, at, approved)
                step.finished_at = at
                step.output = decision_text(
                    run.lang, approved=approved, user=user_id, at=at, note=note
                )
                details = {
                    "run_id": run.public_id,
                    "workflow": run.workflow,
                    "step": step.name,
                    "approved": approved,
                    "user_id": user_id,
                    "role": role.value,
                    "reason": note,
                    "at": at.isoformat(),
                    "conversation_key": run.conversation_key,
                }
                append_event(
                    session,
                    tenant_id,
                    run_id,
                    "approval.decided",
                    step=step.name,
                    actor=user_id,
                    details=details,
                )
                enqueue_event(
                    session, tenant_id, "run.approved" if approved else "run.rejected", details
                )
                record_audit(
                    session,
                    tenant_id,
                    actor=user_id,
                    action=action,
                    target=f"run:{run.public_id}",
                    details=details,
                    source="workflow",
                )
                if approved:
                    plan = advance(session, run)
                else:
                    finish(session, run, "cancelled", error="rejected", actor=user_id)
                    plan = []
        except NotAllowed as refused:
            self._audit_refusal(tenant_id, run_id, user_id, action, refused.required_role)
            raise
        # Before the next steps' notices: the request message loses its buttons first.
        announce_decision(self.settings, tenant_id, run_id, approved=approved, user_id=user_id)
        self._after_commit(tenant_id, run_id, plan)
        return self.get(tenant_id, run_id)

    def cancel(self, tenant_id: str, run_id: int, user_id: str) -> RunView:
        try:
            with tenant_session(self.settings.database_url, tenant_id) as session:
                run = lock_run(session, tenant_id, run_id)
                if run is None:
                    raise RunNotFound(run_id=run_id)
                if run.status in RUN_TERMINAL:
                    raise InvalidTransition("already_finished", run_id=run_id, status=run.status)
                if run.user_id != user_id:
                    role = role_of(session, user_id)
                    if role is None or not role.at_least(CANCEL_ROLE):
                        raise NotAllowed(CANCEL_ROLE.value)
                finish(session, run, "cancelled", actor=user_id)
                record_audit(
                    session,
                    tenant_id,
                    actor=user_id,
                    action="run.cancelled",
                    target=f"run:{run.public_id}",
                    details={"workflow": run.workflow},
                    source="workflow",
                )
        except NotAllowed as refused:
            self._audit_refusal(tenant_id, run_id, user_id, "run.cancel", refused.required_role)
            raise
        self._after_commit(tenant_id, run_id, [])
        return self.get(tenant_id, run_id)

    def _audit_refusal(
        self, tenant_id: str, run_id: int, user_id: str, action: str, required_role: str
    ) -> None:
        with tenant_session(self.settings.database_url, tenant_id) as session:
            run = session.get(WorkflowRun, run_id)
            record_audit(
                session,
                tenant_id,
                actor=user_id,
                action=f"{action}.refused",
                target=f"run:{run.public_id if run else run_id}",
                details={"required_role": required_role},
                source="workflow",
            )

    # --- waiting ---------------------------------------------------------------------------

    def wait_settled(self, tenant_id: str, run_ids: list[int], timeout: float = 120.0) -> None:
        """Return once every run waits for a person or finished, and its notices went out."""
        deadline = time.monotonic() + timeout
        remaining = set(run_ids)
        while remaining and time.monotonic() < deadline:
            with tenant_session(self.settings.database_url, tenant_id) as session:
                for run_id in list(remaining):
                    run = session.get(WorkflowRun, run_id)
                    if run is None or _settled(run, steps_of(session, run_id)):
                        remaining.discard(run_id)
                session.expire_all()
            if remaining:
                time.sleep(0.05)

    # --- plumbing ------------------------------------------------------------------------------

    def _after_commit(self, tenant_id: str, run_id: int, plan: list[Dispatch]) -> None:
        dispatch(self.settings, plan)
        flush_notices(self.settings, tenant_id, run_id)

    def _recover_once(self) -> None:
        """Embedded mode has no beat: pick up what a previous process left behind, once."""
        with _recover_lock:
            if self.settings.database_url in _recovered:
                return
            _recovered.add(self.settings.database_url)
        from agents.workflows.sweeper import sweep

        try:
            sweep(self.settings)
        except Exception:  # an unmigrated database must not break start-up
            log.warning("embedded_recovery_skipped", exc_info=True)


MAX_DECISION_NOTE = 300  # characters: a reason, not an essay


def _decision_note(reason: str | None) -> str | None:
    """The approver's reason as it is kept: one line, clipped; None when it says nothing."""
    note = " ".join((reason or "").split())
    if not note:
        return None
    return note if len(note) <= MAX_DECISION_NOTE else note[: MAX_DECISION_NOTE - 1] + "…"


def deploys_without_approval(template: WorkflowTemplate) -> bool:
    """Does a deploy step run without an approval step before it (in its `needs` chain)?"""
    steps = {s.name: s for s in template.steps}

    def approved(name: str, seen: set[str]) -> bool:
        for dep in steps[name].needs:
            if dep in seen:
                continue
            seen.add(dep)
            if steps[dep].kind == "approval" or approved(dep, seen):
                return True
        return False

    return any(s.kind == "deploy" and not approved(s.name, set()) for s in template.steps)


def _check_four_eyes(
    session: Session, tenant_id: str, run: WorkflowRun, user_id: str, required: Role
) -> None:
    """Four eyes on production: the requester of a production run does not approve it.

    Here, in the one approve path every channel uses (chat, Slack button, CLI, API). A
    tenant of one person turns it off with `bmad tenants set T --self-approval`. The
    refusal names who can approve instead.
    """
    if run.user_id != user_id or not is_production_run(run.workflow, run.inputs or {}):
        return
    if self_approval_allowed(session, tenant_id):
        return
    others = [u for u in users_with_role(session, required) if u != user_id]
    raise NotAllowed(
        required.value,
        "self_approval" if others else "self_approval_alone",
        run_id=run.id,
        approvers=", ".join(others[:5]),
        role=required.value,
    )


def is_production_run(workflow: str, inputs: dict[str, str]) -> bool:
    """A run aimed at a protected environment (any spelling), or the production template."""
    return workflow == "production_deploy" or is_protected(str(inputs.get("environment") or ""))


def _record_approval_wait(
    run: WorkflowRun, step: WorkflowStep, at: datetime, approved: bool
) -> None:
    """Approval wait = decided - requested; requested = deadline - the step's timeout."""
    if step.deadline_at is None:
        return
    timeout = template_of(run).step(step.name).approval_timeout_seconds
    asked = aware(step.deadline_at) - timedelta(seconds=timeout)
    decision = "approved" if approved else "rejected"
    APPROVAL_WAIT_SECONDS.labels(run.workflow, decision).observe(
        max(0.0, (at - asked).total_seconds())
    )


def _resolve_steps(
    template: WorkflowTemplate, inputs: dict[str, str]
) -> dict[str, tuple[str | None, str | None]]:
    """Fill `{agent}` / `{task}` placeholders from the inputs and check the roster."""
    resolved: dict[str, tuple[str | None, str | None]] = {}
    for spec in [*template.steps, *template.compensations]:
        if spec.kind != "agent":
            continue
        try:
            agent = (spec.agent or "").format(**inputs)
            task = (spec.task or "").format(**inputs)
        except (KeyError, IndexError, ValueError) as err:
            raise WorkflowError("missing_input", workflow=template.name, missing=str(err)) from err
        if get_task(agent, task) is None:
            raise WorkflowError("unknown_task", agent=agent, task=task)
        resolved[spec.name] = (agent, task)
    return resolved


def _settled(run: WorkflowRun, steps: list[WorkflowStep]) -> bool:
    if run.status in RUN_TERMINAL:
        return run.finish_notified_at is not None
    if run.status != "waiting_approval" or any(s.status in STEP_ACTIVE for s in steps):
        return False
    return not any(
        s.notified_at is None
        and (s.status == "waiting_approval" or (s.status == "succeeded" and s.kind in RESULT_KINDS))
        for s in steps
    )
