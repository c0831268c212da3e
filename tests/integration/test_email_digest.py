"""The weekly digest: per tenant, to admins, once per ISO week."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from integrations.billing.digest import queue_weekly_digests
from integrations.billing.quota import record_tokens, reserve_run
from integrations.db.models import OutboxEvent, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def test_weekly_digest_once_per_week(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "team")
    with tenant_session(service_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UA", role=Role.admin, email=f"{tenant_id}@example.com")
    reserve_run(service_settings, tenant_id)
    record_tokens(service_settings, tenant_id, 4321, "s1")
    queue_weekly_digests(service_settings)
    queue_weekly_digests(service_settings)  # the beat fired twice this week
    with tenant_session(service_settings.database_url, tenant_id) as session:
        mails = session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "email.send")
        ).all()
    assert len(mails) == 1
    assert mails[0].payload["to"] == f"{tenant_id}@example.com"
    assert "LLM tokens used: 4321" in mails[0].payload["text"]
    assert "1 runs of 500" in mails[0].payload["text"]
