"""Fan outbox events out into one delivery per subscribed endpoint.

Only webhook event types are touched: other consumers of the shared outbox (email) keep
their own rows. The event is marked `dispatched` in the same transaction that creates its
deliveries, so an event is fanned out exactly once even with several workers (PostgreSQL
rows are claimed with `FOR UPDATE SKIP LOCKED`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.models import OutboxEvent, WebhookDelivery, WebhookEndpoint
from integrations.db.session import admin_session
from integrations.settings import Settings
from integrations.webhooks_out.events import DELIVERED_TYPES, TEST_EVENT

BATCH = 100


def dispatch_pending(settings: Settings, now: datetime, limit: int = BATCH) -> tuple[int, int]:
    """Returns (events fanned out, deliveries created)."""
    created = 0
    with admin_session(settings.database_url) as session:
        query = (
            select(OutboxEvent)
            .where(OutboxEvent.event_type.in_(DELIVERED_TYPES), OutboxEvent.status == "pending")
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        if not settings.database_url.startswith("sqlite"):
            query = query.with_for_update(skip_locked=True)
        events = list(session.scalars(query))
        for event in events:
            for endpoint in _targets(session, event):
                session.add(
                    WebhookDelivery(
                        tenant_id=event.tenant_id,
                        event_id=event.id,
                        endpoint_id=endpoint.id,
                        event_type=event.event_type,
                        status="pending",
                        attempts=0,
                        next_attempt_at=now,
                        window_started_at=now,
                        created_at=now,
                    )
                )
                created += 1
            event.status = "dispatched"
    return len(events), created


def _targets(session: Session, event: OutboxEvent) -> list[WebhookEndpoint]:
    query = select(WebhookEndpoint).where(WebhookEndpoint.tenant_id == event.tenant_id)
    if event.event_type == TEST_EVENT:
        endpoint_id = (event.payload or {}).get("endpoint_id")
        return list(session.scalars(query.where(WebhookEndpoint.public_id == endpoint_id)))
    # Disabled endpoints get their deliveries too: held until the endpoint is enabled again.
    endpoints = session.scalars(query)
    return [e for e in endpoints if event.event_type in (e.events or [])]
