"""Forget a user in the database ("forget me", or an admin's delete request).

What goes: the user record (name, email, role), the stored messages of their runs (run
inputs, step outputs and data), pending emails to them. What stays, pseudonymised: facts
other people rely on - that a run happened, who approved what, the audit trail - with the
user id replaced everywhere by a keyed pseudonym. One transaction: all of it or nothing.

Ids are matched exactly - a whole value, or the last `:`-separated segment of a namespaced
id or conversation key - never as a substring: forgetting `ann` must not touch `joanne`.
SQL `LIKE` only pre-selects candidate rows; the decision is made on the parsed values.
The user's API keys are revoked (a forgotten person cannot keep acting through a key).
"""

from __future__ import annotations

from datetime import UTC, datetime
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
from integrations.db.tenants import is_last_owner
from integrations.privacy.pseudonym import pseudonym
from integrations.settings import Settings


class LastOwnerKept(Exception):
    """The user is the tenant's only owner: forgetting them would leave the tenant with
    nobody who may administer it. Another owner must be named first."""


def refuse_last_owner(settings: Settings, tenant_id: str, user_id: str) -> None:
    """Raise LastOwnerKept before anything is deleted (callers delete Redis data first)."""
    with tenant_session(settings.database_url, tenant_id) as session:
        if is_last_owner(session, user_id):
            raise LastOwnerKept(user_id)


class ForgetReport(BaseModel):
    pseudonym: str
    user_deleted: bool
    runs_scrubbed: int
    audit_entries_pseudonymised: int
    emails_dropped: int


def swap_id(value: str, old: str, new: str) -> str:
    """`old` replaced where it is the whole value or the last `:`-segment of a namespaced id
    (`webhook:ann`, `api:1f2e:ann`, conversation key `T:dm:ann`). Only the last segment:
    a user called `dm` must not rewrite every `T:dm:...` key of other people."""
    if value == old:
        return new
    head, sep, last = value.rpartition(":")
    return f"{head}{sep}{new}" if sep and last == old else value


def _replace(value: Any, old: str, new: str) -> Any:
    """`swap_id` on every string of a JSON-like value (ids inside details, keys)."""
    if isinstance(value, str):
        return swap_id(value, old, new)
    if isinstance(value, list):
        return [_replace(v, old, new) for v in value]
    if isinstance(value, dict):
        return {_replace(k, old, new): _replace(v, old, new) for k, v in value.items()}
    return value


def is_known_user(settings: Settings, tenant_id: str, user_id: str) -> bool:
    """Whether the tenant has anything of `user_id`: a user record, a run or an API key."""
    with tenant_session(settings.database_url, tenant_id) as session:
        for query in (
            select(User.id).where(User.external_id == user_id),
            select(WorkflowRun.id).where(WorkflowRun.user_id == user_id),
            select(ApiKey.id).where(ApiKey.user_id == user_id),
        ):
            if session.scalars(query.limit(1)).first() is not None:
                return True
    return False


def forget_user_data(
    settings: Settings, tenant_id: str, user_id: str, *, requested_by: str, source: str
) -> ForgetReport:
    alias = pseudonym(settings, tenant_id, user_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        if is_last_owner(session, user_id):  # checked again in the deleting transaction
            raise LastOwnerKept(user_id)
        user = session.scalars(select(User).where(User.external_id == user_id)).one_or_none()
        email = user.email if user else None
        if user is not None:
            session.delete(user)
        runs, run_ids = _scrub_runs(session, user_id, alias)
        session.execute(
            update(WorkflowStep).where(WorkflowStep.decided_by == user_id).values(decided_by=alias)
        )
        session.execute(
            update(WorkflowEvent).where(WorkflowEvent.actor == user_id).values(actor=alias)
        )
        for api_key in session.scalars(select(ApiKey).where(ApiKey.user_id == user_id)):
            api_key.user_id, api_key.name = alias, swap_id(api_key.name, user_id, alias)
            api_key.revoked_at = api_key.revoked_at or datetime.now(UTC)
        audited = _pseudonymise_audit(session, user_id, alias)
        _scrub_outbox(session, user_id, alias, run_ids)
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


def _scrub_runs(session: Session, user_id: str, alias: str) -> tuple[int, set[int | str]]:
    runs = list(session.scalars(select(WorkflowRun).where(WorkflowRun.user_id == user_id)))
    for run in runs:
        run.user_id = alias
        run.inputs = {}
        run.conversation_key = swap_id(run.conversation_key, user_id, alias)
        run.error = None
        for step in session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run.id)):
            step.output = None
            step.data = {}
            step.error = None
        for event in session.scalars(select(WorkflowEvent).where(WorkflowEvent.run_id == run.id)):
            event.details = {}
    # Payloads name runs by public id; events written before public ids, by number.
    return len(runs), {run.public_id for run in runs} | {run.id for run in runs}


def _scrub_outbox(session: Session, user_id: str, alias: str, run_ids: set[int | str]) -> None:
    """Outbound event payloads still waiting or kept for replay: the id pseudonymised, the
    error text of the user's runs (it may quote their input) dropped."""
    candidates = select(OutboxEvent).where(
        or_(
            cast(OutboxEvent.payload, String).contains(user_id),
            OutboxEvent.event_type.like("run.%"),
        )
    )
    for event in session.scalars(candidates):
        payload = _replace(event.payload, user_id, alias)
        if payload.get("run_id") in run_ids:
            payload.pop("error", None)
        if payload != event.payload:
            event.payload = payload


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
        actor = swap_id(entry.actor, user_id, alias)
        target = swap_id(entry.target, user_id, alias)
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
