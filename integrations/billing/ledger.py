"""The usage ledger in the database: the record of what a tenant used, per period.

Redis counters are the fast, atomic gate; this table is the truth they are seeded from,
what usage reports read, and what Stripe meter events are sent from.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.billing.plans import Metric
from integrations.db.models import UsageEntry


def add_entry(
    session: Session, tenant_id: str, metric: Metric, quantity: int, period: str, ref: str
) -> bool:
    """Insert one entry; False when an entry with this ref exists (a retried recording)."""
    try:
        with session.begin_nested():
            session.add(
                UsageEntry(
                    tenant_id=tenant_id, metric=metric, quantity=quantity, period=period, ref=ref
                )
            )
            session.flush()
    except IntegrityError:
        return False
    return True


def remove_entry(session: Session, metric: Metric, ref: str) -> int:
    """Delete an entry (a reservation whose run never started); returns its quantity."""
    entry = session.scalars(
        select(UsageEntry).where(UsageEntry.metric == metric, UsageEntry.ref == ref)
    ).one_or_none()
    if entry is None:
        return 0
    session.delete(entry)
    return entry.quantity


def used_in_period(session: Session, metric: Metric, period: str) -> int:
    total = session.scalar(
        select(func.coalesce(func.sum(UsageEntry.quantity), 0)).where(
            UsageEntry.metric == metric, UsageEntry.period == period
        )
    )
    return int(total or 0)


def unreported(session: Session, limit: int = 500) -> list[UsageEntry]:
    return list(
        session.scalars(
            select(UsageEntry)
            .where(UsageEntry.reported_at.is_(None))
            .order_by(UsageEntry.id)
            .limit(limit)
        )
    )


def mark_reported(entry: UsageEntry) -> None:
    entry.reported_at = datetime.now(UTC)
