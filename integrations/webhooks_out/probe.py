"""`bmad webhooks test`: send one signed test event to one endpoint, through the real path.

The test event goes through the outbox, fan-out, signing and the delivery log like any
other event, so a passing test means real events will arrive too. It is tried once.
"""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from integrations.db.events import enqueue_event
from integrations.db.models import WebhookAttempt, WebhookDelivery
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.deliver import deliver_due
from integrations.webhooks_out.dispatch import dispatch_pending
from integrations.webhooks_out.endpoints import get_endpoint
from integrations.webhooks_out.events import TEST_EVENT


class EndpointNotFound(LookupError):
    pass


def send_test_event(
    settings: Settings,
    tenant_id: str,
    endpoint_id: int,
    now: datetime | None = None,
    client: httpx.Client | None = None,
) -> WebhookAttempt | None:
    """Returns the logged attempt (status code, error, duration)."""
    now = now or datetime.now(UTC)
    with tenant_session(settings.database_url, tenant_id) as session:
        if get_endpoint(session, endpoint_id) is None:
            raise EndpointNotFound(endpoint_id)
        event = enqueue_event(
            session, tenant_id, TEST_EVENT, {"endpoint_id": endpoint_id, "test": True}
        )
        session.flush()
        event_id = event.id
    dispatch_pending(settings, now)
    with tenant_session(settings.database_url, tenant_id) as session:
        ids = list(
            session.scalars(select(WebhookDelivery.id).where(WebhookDelivery.event_id == event_id))
        )
    deliver_due(settings, now, client, only=ids)
    with tenant_session(settings.database_url, tenant_id) as session:
        return session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(ids))
            .order_by(WebhookAttempt.id.desc())
        ).first()
