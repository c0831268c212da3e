"""`bmad webhooks test`: send one signed test event to one endpoint, through the real path.

The test event is an outbox row with its delivery created in the same transaction (so it
goes to this endpoint only, even when disabled), then signed, sent and logged like any
other delivery, and tried once. A running poller or worker may pick the delivery up first;
the lease makes sure it is sent once either way, so we wait for its logged attempt.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from integrations.db.events import enqueue_event
from integrations.db.models import WebhookAttempt, WebhookDelivery
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.deliver import deliver_due
from integrations.webhooks_out.endpoints import get_endpoint
from integrations.webhooks_out.events import TEST_EVENT


class EndpointNotFound(LookupError):
    pass


def send_test_event(
    settings: Settings,
    tenant_id: str,
    endpoint_ref: int | str,
    now: datetime | None = None,
    client: httpx.Client | None = None,
) -> WebhookAttempt | None:
    """Returns the logged attempt (status code, error, duration), None if none was made."""
    now = now or datetime.now(UTC)
    with tenant_session(settings.database_url, tenant_id) as session:
        endpoint = get_endpoint(session, endpoint_ref)
        if endpoint is None:
            raise EndpointNotFound(endpoint_ref)
        payload = {"endpoint_id": endpoint.public_id, "test": True}
        event = enqueue_event(session, tenant_id, TEST_EVENT, payload)
        event.status = "dispatched"
        session.flush()
        delivery = WebhookDelivery(
            tenant_id=tenant_id,
            event_id=event.id,
            endpoint_id=endpoint.id,
            event_type=TEST_EVENT,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
        session.add(delivery)
        session.flush()
        delivery_id = delivery.id
    deliver_due(settings, now, client, only=[delivery_id])
    deadline = time.monotonic() + settings.webhook_delivery_timeout + 5
    while True:
        with tenant_session(settings.database_url, tenant_id) as session:
            attempt = session.scalars(
                select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
            ).first()
        if attempt is not None or time.monotonic() > deadline:
            return attempt
        time.sleep(0.1)
