"""Claim due outbox events of one type and back off failed ones, for the outbox deliverers.

Email and the admin Slack DMs deliver their outbox events the same way: pending rows whose
`next_attempt_at` has come are claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL; SQLite has
no row locks and one writer), so several workers can run at once without sending twice, and a
failed attempt is retried with exponential back-off until the deliverer's attempt limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from integrations.backoff import next_retry
from integrations.db.models.events import OutboxEvent

MAX_RETRY_DELAY = 3600.0  # seconds: a long outage is retried hourly, not after days


def claim_due_events(
    session: Session, database_url: str, event_type: str, now: datetime, limit: int
) -> list[OutboxEvent]:
    """Pending `event_type` events due at `now`, oldest first, locked for this transaction."""
    query = (
        select(OutboxEvent)
        .where(
            OutboxEvent.event_type == event_type,
            OutboxEvent.status == "pending",
            or_(OutboxEvent.next_attempt_at.is_(None), OutboxEvent.next_attempt_at <= now),
        )
        .order_by(OutboxEvent.id)
        .limit(limit)
    )
    if not database_url.startswith("sqlite"):
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def retry_or_fail(
    event: OutboxEvent,
    now: datetime,
    *,
    max_attempts: int,
    base_delay: int,
    permanent: bool = False,
) -> bool:
    """After a failed attempt: schedule the next one (the delay doubles per attempt from
    `base_delay` seconds, at most an hour, jittered) and return True, or mark the event
    failed and return False when the error is `permanent` or `max_attempts` are used up."""
    delay = next_retry(
        event.attempts, max_attempts, base=base_delay, cap=MAX_RETRY_DELAY, give_up=permanent
    )
    if delay is None:
        event.status = "failed"
        return False
    event.next_attempt_at = now + timedelta(seconds=delay)
    return True
