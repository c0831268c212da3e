"""Forget a user in the database ("forget me", or an admin's delete request).

What goes: the user record (name, email, role), the stored messages of their runs (run
inputs, step outputs and data), pending emails to them. What stays, pseudonymised: facts
other people rely on - that a run happened, who approved what, the audit trail - with the
user id replaced everywhere by a keyed pseudonym. One transaction: all of it or nothing.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import String, cast, or_, select, update
from sqlalchemy.orm import Session

from integrations.db.events import record_audit
from integrations.db.models import (
    ApiKey,
    AuditEntry,
    OutboxEvent,
    User,
    WorkflowEvent,
    WorkflowRun,
    WorkflowStep,
)
from integrations.db.session import tenant_session
from integrations.privacy.pseudonym import pseudonym
from integrations.settings import Settings


class ForgetReport(BaseModel):
    pseudonym: str
    user_deleted: bool
    runs_scrubbed: int
    audit_entries_pseudonymised: int
    emails_dropped: int


def _replace(value: Any, old: str, new: str) -> Any:
    """Replace `old` in every string of a JSON-like value (ids inside details, keys)."""
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_replace(k, old, new): _replace(v, old, new) for k, v in value.items()}
    return value


def forget_user_data(
    settings: Settings, tenant_id: str, user_id: str, *, requested_by: str, source: str
) -> ForgetReport:
    alias = pseudonym(settings, tenant_id, user_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        user = session.scalars(select(User).where(User.external_id == user_id)).one_or_none()
        email = user.email if user else None
        if user is not None:
            session.delete(user)
        runs = _scrub_runs(session, user_id, alias)
        session.execute(
            update(WorkflowStep).where(WorkflowStep.decided_by == user_id).values(decided_by=alias)
        )
        session.execute(
            update(WorkflowEvent).where(WorkflowEvent.actor == user_id).values(actor=alias)
        )
        session.execute(update(ApiKey).where(ApiKey.user_id == user_id).values(user_id=alias))
        audited = _pseudonymise_audit(session, user_id, alias)
        dropped = _drop_pending_emails(session, email)
        record_audit(
            session,
            tenant_id,
            actor=alias if requested_by == user_id else requested_by,
            action="privacy.forget",
            target=alias,
            details={"runs_scrubbed": runs, "audit_entries_pseudonymised": audited},
            source=source,
        )
    return ForgetReport(
        pseudonym=alias,
        user_deleted=user is not None,
        runs_scrubbed=runs,
        audit_entries_pseudonymised=audited,
        emails_dropped=dropped,
    )


def _scrub_runs(session: Session, user_id: str, alias: str) -> int:
    runs = list(session.scalars(select(WorkflowRun).where(WorkflowRun.user_id == user_id)))
    for run in runs:
        run.user_id = alias
        run.inputs = {}
        run.conversation_key = run.conversation_key.replace(user_id, alias)
        run.error = None
        for step in session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run.id)):
            step.output = None
            step.data = {}
            step.error = None
        for event in session.scalars(select(WorkflowEvent).where(WorkflowEvent.run_id == run.id)):
            event.details = {}
    return len(runs)


def _pseudonymise_audit(session: Session, user_id: str, alias: str) -> int:
    """The one permitted rewrite of the append-only log: the forgotten id, nothing else."""
    count = 0
    candidates = select(AuditEntry).where(
        or_(
            AuditEntry.actor.contains(user_id),
            AuditEntry.target.contains(user_id),
            cast(AuditEntry.details, String).contains(user_id),
        )
    )
    for entry in session.scalars(candidates):
        actor = entry.actor.replace(user_id, alias)
        target = entry.target.replace(user_id, alias)
        details = _replace(entry.details, user_id, alias)
        if (actor, target, details) != (entry.actor, entry.target, entry.details):
            entry.actor, entry.target, entry.details = actor, target, details
            count += 1
    return count


def _drop_pending_emails(session: Session, email: str | None) -> int:
    if not email:
        return 0
    dropped = 0
    pending = select(OutboxEvent).where(
        OutboxEvent.event_type == "email.send", OutboxEvent.status == "pending"
    )
    for event in session.scalars(pending):
        if event.payload.get("to") == email.lower():
            session.delete(event)
            dropped += 1
    return dropped
