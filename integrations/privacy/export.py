"""Everything the database holds about one user, as JSON-ready data (data access requests)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from integrations.db.events import record_audit
from integrations.db.models import AuditEntry, User, WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def export_user_data(
    settings: Settings, tenant_id: str, user_id: str, *, requested_by: str, source: str
) -> dict[str, Any]:
    """The user's profile, runs (with inputs and results), approvals and audit entries.

    The export itself is audited (who exported whose data), in the same transaction.
    """
    with tenant_session(settings.database_url, tenant_id) as session:
        user = session.scalars(select(User).where(User.external_id == user_id)).one_or_none()
        runs = session.scalars(
            select(WorkflowRun).where(WorkflowRun.user_id == user_id).order_by(WorkflowRun.id)
        )
        run_rows = []
        for run in runs:
            steps = session.scalars(
                select(WorkflowStep)
                .where(WorkflowStep.run_id == run.id)
                .order_by(WorkflowStep.position)
            )
            run_rows.append(
                {
                    "id": run.id,
                    "workflow": run.workflow,
                    "status": run.status,
                    "conversation_key": run.conversation_key,
                    "inputs": run.inputs,
                    "created_at": _iso(run.created_at),
                    "steps": [
                        {"name": s.name, "status": s.status, "output": s.output} for s in steps
                    ],
                }
            )
        approvals = [
            {
                "run_id": s.run_id,
                "step": s.name,
                "status": s.status,
                "at": _iso(s.decided_at),
                "reason": s.decision_note,
            }
            for s in session.scalars(select(WorkflowStep).where(WorkflowStep.decided_by == user_id))
        ]
        audit = [
            {
                "when": _iso(a.created_at),
                "actor": a.actor,
                "action": a.action,
                "target": a.target,
                "source": a.source,
            }
            for a in session.scalars(
                select(AuditEntry)
                .where(or_(AuditEntry.actor == user_id, AuditEntry.target == user_id))
                .order_by(AuditEntry.id)
            )
        ]
        record_audit(
            session,
            tenant_id,
            actor=requested_by,
            action="privacy.export",
            target=user_id,
            details={"runs": len(run_rows)},
            source=source,
        )
    profile = (
        {
            "user_id": user.external_id,
            "display_name": user.display_name,
            "email": user.email,
            "role": user.role.value,
            "created_at": _iso(user.created_at),
        }
        if user
        else None
    )
    return {
        "tenant_id": tenant_id,
        "user_id": user_id,
        "profile": profile,
        "runs": run_rows,
        "approvals": approvals,
        "audit": audit,
    }
