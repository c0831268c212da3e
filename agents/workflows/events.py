"""Append to a run's event trail (`workflow_events`): never updated, never deleted."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from integrations.db.models import WorkflowEvent


def append_event(
    session: Session,
    tenant_id: str,
    run_id: int,
    type_: str,
    *,
    step: str | None = None,
    actor: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        WorkflowEvent(
            tenant_id=tenant_id,
            run_id=run_id,
            step=step,
            type=type_,
            actor=actor,
            details=details or {},
        )
    )
