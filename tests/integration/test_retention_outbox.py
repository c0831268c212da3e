"""Retention purges every finished outbox state (issue 17): `dispatched` webhook events were
never purged; a dispatched event with a delivery still pending (endpoint disabled) is kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select

from integrations.db.models import OutboxEvent, WebhookDelivery
from integrations.db.session import tenant_session
from integrations.privacy.retention import purge_expired
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import add_endpoint
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def test_finished_outbox_rows_are_purged_pending_work_is_kept(
    service_settings: Settings, tenant_id: str
) -> None:
    settings = service_settings.model_copy(
        update={
            "secret_key": SecretStr(Fernet.generate_key().decode()),
            "webhook_allow_private": True,  # a local endpoint URL (SSRF guard, issue 14)
        }
    )
    make_tenant(settings.database_url, tenant_id, "free")  # 30 days retention
    old = datetime.now(UTC) - timedelta(days=40)
    with tenant_session(settings.database_url, tenant_id) as session:
        endpoint, _ = add_endpoint(
            session, settings, tenant_id, "http://127.0.0.1:9/x", ["run.failed"]
        )
        rows = {}
        for name, status in (
            ("sent", "sent"),
            ("dispatched_done", "dispatched"),
            ("dispatched_held", "dispatched"),
            ("pending", "pending"),
        ):
            event = OutboxEvent(
                tenant_id=tenant_id,
                event_type="run.failed",
                payload={"name": name},
                status=status,
                created_at=old,
            )
            session.add(event)
            session.flush()
            rows[name] = event.id
        for name, delivery_status in (
            ("dispatched_done", "delivered"),
            ("dispatched_held", "pending"),
        ):
            session.add(
                WebhookDelivery(
                    tenant_id=tenant_id,
                    event_id=rows[name],
                    endpoint_id=endpoint.id,
                    event_type="run.failed",
                    status=delivery_status,
                    created_at=old,
                )
            )
    report = purge_expired(settings)
    assert report.outbox_deleted >= 2
    with tenant_session(settings.database_url, tenant_id) as session:
        left = sorted(e.payload["name"] for e in session.scalars(select(OutboxEvent)))
        deliveries = list(session.scalars(select(WebhookDelivery.status)))
    assert left == ["dispatched_held", "pending"]
    assert deliveries == ["pending"]
