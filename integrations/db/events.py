"""Write audit entries and outbox events inside the caller's unit of work."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from integrations.db.models.events import AuditEntry, OutboxEvent


def record_audit(
    session: Session,
    tenant_id: str,
    *,
    actor: str,
    action: str,
    target: str = "",
    details: dict[str, Any] | None = None,
    source: str = "system",
) -> AuditEntry:
    entry = AuditEntry(
        tenant_id=tenant_id,
        actor=actor,
        action=action,
        target=target,
        details=details or {},
        source=source,
    )
    session.add(entry)
    return entry


def enqueue_event(
    session: Session, tenant_id: str, event_type: str, payload: dict[str, Any]
) -> OutboxEvent:
    """Add an outbox event to the current transaction (commits or rolls back with it)."""
    event = OutboxEvent(tenant_id=tenant_id, event_type=event_type, payload=payload)
    session.add(event)
    return event
