"""Reading the append-only audit log (writing is `integrations.db.events.record_audit`).

Shared by `GET /api/v1/audit` and `bmad audit export`, so both show the same fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.models import AuditEntry


class AuditRecord(BaseModel):
    id: str  # the entry's public id (`aud_…`); also the paging cursor
    tenant_id: str
    when: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]
    source: str


def to_record(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(
        id=entry.public_id,
        tenant_id=entry.tenant_id,
        # SQLite returns naive datetimes; the API promises RFC 3339 with an offset (UTC).
        when=entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC),
        actor=entry.actor,
        action=entry.action,
        target=entry.target,
        details=entry.details or {},
        source=entry.source,
    )


def position_of(session: Session, public_id: str) -> int | None:
    """Where the entry with this public id sits in the log (a cursor for `iter_audit`);
    None when the session's tenant has no such entry."""
    entry = session.scalars(select(AuditEntry).where(AuditEntry.public_id == public_id)).first()
    return entry.id if entry is not None else None


def iter_audit(
    session: Session,
    *,
    after_id: int = 0,
    action_prefix: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int | None = None,
) -> Iterator[AuditRecord]:
    """Entries in id order (the scope of `session` decides which tenants are visible)."""
    query = select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)
    if action_prefix:
        query = query.where(AuditEntry.action.startswith(action_prefix))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until)
    if limit is not None:
        query = query.limit(limit)
    for entry in session.scalars(query.execution_options(yield_per=500)):
        yield to_record(entry)


CSV_COLUMNS = ("id", "when", "tenant_id", "source", "actor", "action", "target", "details")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_row(record: AuditRecord) -> list[str]:
    """A record as CSV cells; a cell a spreadsheet would run as a formula (actor and target
    come from users) is prefixed with an apostrophe."""
    details = json.dumps(record.details, ensure_ascii=False, sort_keys=True)
    cells = [
        str(record.id),
        record.when.isoformat(),
        record.tenant_id,
        record.source,
        record.actor,
        record.action,
        record.target,
        details,
    ]
    return [f"'{c}" if c.startswith(_FORMULA_START) else c for c in cells]


def json_line(record: AuditRecord) -> str:
    return json.dumps(record.model_dump(mode="json"), ensure_ascii=False)
