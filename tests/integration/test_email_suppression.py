"""SendGrid's signed event webhook keeps the suppression list; suppressed means never emailed."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from integrations.db.models import OutboxEvent
from integrations.db.session import admin_session, tenant_session
from integrations.email.delivery import deliver_pending_emails
from integrations.email.outbox import queue_email
from integrations.email.suppression import is_suppressed
from tests.conftest import make_tenant
from tests.fakes.sendgrid_api import EventSigner, FakeSendGrid
from tests.integration.billing_support import billing_client

pytestmark = pytest.mark.integration


@pytest.fixture
def signer() -> EventSigner:
    return EventSigner()


def _settings(base, signer, sendgrid=None):  # type: ignore[no-untyped-def]
    return base.model_copy(
        update={
            "sendgrid_api_key": SecretStr("SG.test"),
            "sendgrid_api_host": sendgrid.base_url if sendgrid else None,
            "sendgrid_webhook_public_key": signer.public_key,
        }
    )


def _events(*items: tuple[str, str], **extra) -> str:  # type: ignore[no-untyped-def]
    return json.dumps(
        [
            {
                "email": email,
                "event": kind,
                "timestamp": 1700000000,
                "sg_event_id": f"e{i}",
                **extra,
            }
            for i, (email, kind) in enumerate(items)
        ]
    )


def _queue(settings, tenant_id: str, to: str):  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, tenant_id) as session:
        return queue_email(
            session,
            tenant_id,
            to=to,
            template="payment_failed",
            context={
                "tenant_name": "Acme",
                "invoice_id": "in_1",
                "amount": "49.00 EUR",
                "grace_until": "2026-12-01",
                "billing_url": "https://bmad.example/billing/upgrade",
            },
        )


def test_bounced_address_receives_no_further_mail(service_settings, tenant_id, signer):  # type: ignore[no-untyped-def]
    with FakeSendGrid() as sendgrid:
        settings = _settings(service_settings, signer, sendgrid)
        make_tenant(settings.database_url, tenant_id)
        bounced = f"gone-{tenant_id}@example.com"
        queued_before = _queue(settings, tenant_id, bounced)  # queued before the bounce
        assert queued_before is not None
        body = _events(
            (bounced.upper(), "bounce"),
            (f"spam-{tenant_id}@example.com", "spamreport"),
            (f"drop-{tenant_id}@example.com", "dropped"),
            (f"ok-{tenant_id}@example.com", "delivered"),
            (f"opened-{tenant_id}@example.com", "open"),
        )
        response = billing_client(settings).post(
            "/webhooks/sendgrid", content=body, headers=signer.sign(body)
        )
        assert response.status_code == 200
        assert response.json() == {"received": 5, "suppressed": 3}
        with admin_session(settings.database_url) as session:
            assert is_suppressed(session, bounced)
            assert is_suppressed(session, f"spam-{tenant_id}@example.com")
            assert not is_suppressed(session, f"ok-{tenant_id}@example.com")

        assert _queue(settings, tenant_id, bounced) is None  # never queued again
        deliver_pending_emails(settings)
        assert bounced not in sendgrid.recipients()
        with tenant_session(settings.database_url, tenant_id) as session:
            event = session.scalars(
                select(OutboxEvent).where(OutboxEvent.id == queued_before.id)
            ).one()
            assert event.status == "suppressed"


def test_temporary_block_does_not_suppress(service_settings, tenant_id, signer):  # type: ignore[no-untyped-def]
    settings = _settings(service_settings, signer)
    body = _events((f"busy-{tenant_id}@example.com", "bounce"), type="blocked")
    response = billing_client(settings).post(
        "/webhooks/sendgrid", content=body, headers=signer.sign(body)
    )
    assert response.json()["suppressed"] == 0


def test_unsigned_forged_or_unconfigured_webhooks_are_refused(service_settings, tenant_id, signer):  # type: ignore[no-untyped-def]
    settings = _settings(service_settings, signer)
    victim = f"victim-{tenant_id}@example.com"
    body = _events((victim, "spamreport"))
    client = billing_client(settings)
    assert client.post("/webhooks/sendgrid", content=body).status_code == 401
    forged = EventSigner().sign(body)  # signed with somebody else's key
    assert client.post("/webhooks/sendgrid", content=body, headers=forged).status_code == 401
    tampered = signer.sign(body)
    other = _events((f"other-{tenant_id}@example.com", "spamreport"))
    assert client.post("/webhooks/sendgrid", content=other, headers=tampered).status_code == 401
    bad = client.post("/webhooks/sendgrid", content="not json", headers=signer.sign("not json"))
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_payload"
    unconfigured = billing_client(settings.model_copy(update={"sendgrid_webhook_public_key": None}))
    assert (
        unconfigured.post("/webhooks/sendgrid", content=body, headers=signer.sign(body)).status_code
        == 503
    )
    with admin_session(settings.database_url) as session:
        assert not is_suppressed(session, victim)
