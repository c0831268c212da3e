"""Replays keyed on what is signed: altered headers, new delivery ids, old timestamps and
stale Stripe events start nothing (real PostgreSQL and Redis)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.app import create_app
from integrations.billing.accounts import get_account
from integrations.db.models import EmailSuppression, Tenant, WorkflowRun
from integrations.db.session import admin_session, tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign, sign_body
from tests.conftest import make_tenant
from tests.fakes.sendgrid_api import EventSigner
from tests.fakes.stripe_api import sign_stripe_payload
from tests.integration.billing_support import PRICES, WEBHOOK_SECRET, billing_settings
from tests.unit.webhooks import payloads
from tests.unit.webhooks.conftest import GENERIC_SECRET, GITHUB_SECRET, setup_tenant

pytestmark = pytest.mark.integration


@pytest.fixture
def client(service_settings: Settings) -> TestClient:
    return TestClient(create_app(service_settings), raise_server_exceptions=False)


def test_generic_replay_with_a_dressed_up_signature_is_not_new(
    service_settings: Settings, tenant_id: str, client: TestClient
) -> None:
    setup_tenant(service_settings, tenant_id)
    body = json.dumps({"text": "what can you do", "conversation_id": "replay-1"}).encode()
    ts = int(time.time())
    signature = sign(GENERIC_SECRET, ts, body)
    url = f"/webhooks/generic/{tenant_id}"
    headers = {"Content-Type": "application/json", "X-BMAD-Timestamp": str(ts)}
    first = client.post(url, content=body, headers={**headers, "X-BMAD-Signature": signature})
    assert first.status_code == 200 and first.json()["kind"] == "answer"
    for dressed in (signature + "\xa0", signature + "\x85", " " + signature, signature + " "):
        again = client.post(
            url, content=body, headers={**headers, "X-BMAD-Signature": dressed.encode("latin-1")}
        )
        # either refused outright or recognised as the same delivery; never a new turn
        assert again.status_code in (400, 401) or again.json()["kind"] == "duplicate", again.text
    upper = client.post(
        url,
        content=body,
        headers={**headers, "X-BMAD-Signature": "sha256=" + signature[7:].upper()},
    )
    assert upper.status_code == 401 or upper.json()["kind"] == "duplicate"


def test_github_body_replayed_under_a_new_delivery_id_starts_nothing(
    service_settings: Settings, tenant_id: str, client: TestClient
) -> None:
    setup_tenant(service_settings, tenant_id)
    body = json.dumps(payloads.github_pull_request()).encode()

    def deliver(delivery: str):  # type: ignore[no-untyped-def]
        return client.post(
            f"/webhooks/github/{tenant_id}",
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-GitHub-Event": "pull_request",
                "X-GitHub-Delivery": delivery,
                "X-Hub-Signature-256": sign_body(GITHUB_SECRET, body),
            },
        )

    first = deliver("delivery-1")
    assert first.status_code == 200 and first.json()["status"] == "started", first.text
    replay = deliver("delivery-2-forged")
    assert replay.json()["status"] == "duplicate"
    with tenant_session(service_settings.database_url, tenant_id) as session:
        assert len(list(session.scalars(select(WorkflowRun)))) == 1


def test_sendgrid_events_outside_five_minutes_are_refused(
    service_settings: Settings, tenant_id: str
) -> None:
    signer = EventSigner()
    settings = service_settings.model_copy(
        update={"sendgrid_webhook_public_key": signer.public_key}
    )
    client = TestClient(create_app(settings), raise_server_exceptions=False)
    address = f"{tenant_id}@bounce.example.com"
    payload = json.dumps([{"email": address, "event": "spamreport", "sg_event_id": "e1"}])
    old = str(int(time.time()) - 30 * 24 * 3600)
    headers = {"Content-Type": "application/json", **signer.sign(payload, old)}
    stale = client.post("/webhooks/sendgrid", content=payload, headers=headers)
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "expired_timestamp"
    with admin_session(settings.database_url) as session:
        found = session.scalars(select(EmailSuppression).where(EmailSuppression.email == address))
        assert found.first() is None
    fresh = client.post(
        "/webhooks/sendgrid",
        content=payload,
        headers={"Content-Type": "application/json", **signer.sign(payload)},
    )
    assert fresh.status_code == 200 and fresh.json()["suppressed"] == 1


def _subscription_event(tenant_id: str, event_type: str, status: str, created: int) -> str:
    period_end = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    return json.dumps(
        {
            "id": f"evt_{event_type}_{created}",
            "object": "event",
            "created": created,
            "type": event_type,
            "data": {
                "object": {
                    "id": "sub_order_1",
                    "object": "subscription",
                    "customer": f"cus_{tenant_id}",
                    "status": status,
                    "metadata": {"tenant_id": tenant_id},
                    "items": {
                        "object": "list",
                        "data": [
                            {
                                "id": "si_1",
                                "object": "subscription_item",
                                "price": {"id": PRICES["team"], "object": "price"},
                                "current_period_end": period_end,
                            }
                        ],
                    },
                }
            },
        }
    )


def test_stale_subscription_update_after_deletion_grants_nothing(
    service_settings: Settings, tenant_id: str
) -> None:
    settings = billing_settings(service_settings)
    make_tenant(settings.database_url, tenant_id, "free")
    client = TestClient(create_app(settings), raise_server_exceptions=False)

    def post(body: str):  # type: ignore[no-untyped-def]
        return client.post(
            "/webhooks/stripe",
            content=body,
            headers={"Stripe-Signature": sign_stripe_payload(body, WEBHOOK_SECRET)},
        )

    now = int(time.time())
    created = post(
        _subscription_event(tenant_id, "customer.subscription.created", "active", now - 1200)
    )
    assert created.json()["outcome"] == "applied"
    deleted = post(_subscription_event(tenant_id, "customer.subscription.deleted", "canceled", now))
    assert deleted.json()["outcome"] == "applied"
    stale = post(
        _subscription_event(tenant_id, "customer.subscription.updated", "active", now - 600)
    )
    assert stale.status_code == 200 and stale.json()["outcome"] == "stale"
    with tenant_session(settings.database_url, tenant_id) as session:
        tenant = session.get(Tenant, tenant_id)
        account = get_account(session)
        assert tenant is not None and account is not None
        assert (tenant.plan, account.subscription_status) == ("free", "canceled")
