"""Outbox lag: how long the oldest undelivered event of each type has waited.

Why a gauge set by a scheduled job: a stuck deliverer (SendGrid down, a webhook receiver
timing out, no beat running) shows as a growing lag long before anyone misses an email;
`OutboxLagHigh` alerts on it (deploy/prometheus/rules.yml).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import func, select

from integrations.db.models.events import OutboxEvent
from integrations.db.session import admin_session
from integrations.observability.metrics import OUTBOX_LAG_SECONDS, OUTBOX_PENDING
from integrations.settings import Settings

_seen: set[str] = set()  # types reported before: set back to 0 once drained


def record_outbox_lag(
    settings: Settings, now: datetime | None = None, known: Iterable[str] = ()
) -> dict[str, float]:
    """Set the gauges; every `known` type is reported (0 when none is pending), so a
    dashboard shows a drained outbox as 0 rather than as no data."""
    now = now or datetime.now(UTC)
    _seen.update(known)
    with admin_session(settings.database_url) as session:
        rows = session.execute(
            select(OutboxEvent.event_type, func.min(OutboxEvent.created_at), func.count())
            .where(OutboxEvent.status == "pending")
            .group_by(OutboxEvent.event_type)
        ).all()
    lags: dict[str, float] = {}
    for event_type, oldest, count in rows:
        oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
        lags[event_type] = max(0.0, (now - oldest).total_seconds())
        OUTBOX_PENDING.labels(event_type).set(count)
    for event_type in _seen - set(lags):
        OUTBOX_PENDING.labels(event_type).set(0)
        OUTBOX_LAG_SECONDS.labels(event_type).set(0)
    for event_type, lag in lags.items():
        OUTBOX_LAG_SECONDS.labels(event_type).set(lag)
    _seen.update(lags)
    return lags
