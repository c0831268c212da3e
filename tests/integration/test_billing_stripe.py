"""Stripe end to end: the real SDK against the local fake API, signed webhooks, quota gate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from integrations.billing.accounts import get_account
from integrations.billing.customers import checkout_url, ensure_customer, portal_url
from integrations.billing.meter import report_usage
from integrations.billing.plans import get_plan
from integrations.billing.quota import QuotaRefused, record_tokens, reserve_run
from integrations.db.models import AuditEntry, OutboxEvent, Tenant, UsageEntry
from integrations.db.session import tenant_session
from tests.conftest import make_tenant
from tests.fakes.stripe_api import FakeStripe, sign_stripe_payload, stripe_event
from tests.integration.billing_support import (
    PRICES,
    WEBHOOK_SECRET,
    add_admin,
    billing_client,
    billing_settings,
    use_up_runs,
)

pytestmark = pytest.mark.integration


@pytest.fixture
def stripe_api():  # type: ignore[no-untyped-def]
    with FakeStripe() as server:
        yield server


def _post_event(client, body: str, secret: str = WEBHOOK_SECRET):  # type: ignore[no-untyped-def]
    return client.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign_stripe_payload(body, secret)},
    )


def _subscription(tenant_id: str, customer: str, status: str, price: str) -> dict:
    period_end = int((datetime.now(UTC) + timedelta(days=30)).timestamp())
    return {
        "id": "sub_test_1",
        "object": "subscription",
        "customer": customer,
        "status": status,
        "metadata": {"tenant_id": tenant_id},
        "items": {
            "object": "list",
            "data": [
                {
                    "id": "si_1",
                    "object": "subscription_item",
                    "price": {"id": price, "object": "price"},
                    "current_period_end": period_end,
                }
            ],
        },
    }


def _tenant(settings, tenant_id: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, tenant_id) as session:
        tenant = session.get(Tenant, tenant_id)
        account = get_account(session)
        return tenant.plan, account.subscription_status if account else "none"


def test_one_customer_per_tenant_and_links(service_settings, tenant_id, stripe_api):  # type: ignore[no-untyped-def]
    settings = billing_settings(service_settings, stripe_api.base_url)
    make_tenant(settings.database_url, tenant_id)
    first = ensure_customer(settings, tenant_id)
    assert ensure_customer(settings, tenant_id) == first
    assert len(stripe_api.customers) == 1
    assert stripe_api.customers[first]["metadata"] == {"tenant_id": tenant_id}

    url = checkout_url(settings, tenant_id, "team")
    session = stripe_api.checkout_sessions[-1]
    assert url == session["url"]
    assert session["customer"] == first
    assert session["mode"] == "subscription"
    assert session["line_items"] == [{"price": PRICES["team"], "quantity": "1"}]
    assert session["client_reference_id"] == tenant_id

    assert portal_url(settings, tenant_id) == stripe_api.portal_sessions[-1]["url"]
    assert len(stripe_api.customers) == 1


def test_done_when_flow_quota_upgrade_grace(service_settings, tenant_id, stripe_api):  # type: ignore[no-untyped-def]
    settings = billing_settings(service_settings, stripe_api.base_url, billing_grace_days=3)
    make_tenant(settings.database_url, tenant_id, "free")
    add_admin(settings, tenant_id)
    client = billing_client(settings)
    use_up_runs(settings, tenant_id, get_plan("free").runs or 0)

    with pytest.raises(QuotaRefused) as refused:
        reserve_run(settings, tenant_id)
    assert "/billing/upgrade?tenant=" in refused.value.message

    # The upgrade link opens a Checkout Session for this tenant.
    link = refused.value.refusal.upgrade_url
    response = client.get(link.split("127.0.0.1:8000", 1)[1], follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == stripe_api.checkout_sessions[-1]["url"]
    customer = stripe_api.checkout_sessions[-1]["customer"]

    completed = stripe_event(
        "checkout.session.completed",
        {
            "id": "cs_test_1",
            "object": "checkout.session",
            "customer": customer,
            "client_reference_id": tenant_id,
            "subscription": "sub_test_1",
            "mode": "subscription",
            "payment_status": "paid",
            "metadata": {"tenant_id": tenant_id, "plan": "team"},
        },
    )
    assert _post_event(client, completed).json()["outcome"] == "applied"
    created = stripe_event(
        "customer.subscription.created",
        _subscription(tenant_id, customer, "active", PRICES["team"]),
    )
    assert _post_event(client, created).json()["outcome"] == "applied"
    assert _tenant(settings, tenant_id) == ("team", "active")
    # Runs start again, through the real start path.
    from agents.workflows.service import WorkflowService

    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant_id,
        workflow="deploy",
        inputs={"service": "checkout", "environment": "staging"},
        conversation_key=f"{tenant_id}:api:upgraded",
        user_id="UOWNER",
    )
    service.wait_settled(tenant_id, [run.id], timeout=60)
    assert service.get(tenant_id, run.id).status == "succeeded"

    failed = stripe_event(
        "invoice.payment_failed",
        {
            "id": "in_1",
            "object": "invoice",
            "customer": customer,
            "amount_due": 4900,
            "currency": "eur",
        },
    )
    assert _post_event(client, failed).json()["outcome"] == "applied"
    assert _tenant(settings, tenant_id) == ("team", "past_due")
    reserve_run(settings, tenant_id)  # inside the grace period runs still start
    with tenant_session(settings.database_url, tenant_id) as session:
        mails = session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "email.send")
        ).all()
        assert [m.payload["template"] for m in mails] == ["payment_failed"]
        assert "49.00 EUR" in mails[0].payload["text"]
        actions = set(session.scalars(select(AuditEntry.action)))
    assert "billing.invoice.payment_failed" in actions

    with freeze_time(datetime.now(UTC) + timedelta(days=4)):
        with pytest.raises(QuotaRefused) as overdue:
            reserve_run(settings, tenant_id)
        assert overdue.value.refusal.reason == "payment_overdue"
        paid = stripe_event(
            "invoice.paid", {"id": "in_1", "object": "invoice", "customer": customer}
        )
        assert _post_event(client, paid).json()["outcome"] == "applied"
        reserve_run(settings, tenant_id)

    deleted = stripe_event(
        "customer.subscription.deleted",
        _subscription(tenant_id, customer, "canceled", PRICES["team"]),
    )
    assert _post_event(client, deleted).json()["outcome"] == "applied"
    assert _tenant(settings, tenant_id) == ("free", "canceled")
    with pytest.raises(QuotaRefused):
        reserve_run(settings, tenant_id)


def test_each_event_is_processed_once(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    settings = billing_settings(service_settings)
    make_tenant(settings.database_url, tenant_id, "free")
    add_admin(settings, tenant_id)
    client = billing_client(settings)
    body = stripe_event(
        "invoice.payment_failed",
        {"id": "in_2", "object": "invoice", "customer": None, "metadata": {"tenant_id": tenant_id}},
        event_id=f"evt_once_{tenant_id}",
    )
    assert _post_event(client, body).json()["outcome"] == "applied"
    assert _post_event(client, body).json()["outcome"] == "duplicate"
    with tenant_session(settings.database_url, tenant_id) as session:
        mails = session.scalars(select(OutboxEvent)).all()
        audits = session.scalars(select(AuditEntry)).all()
    assert len([m for m in mails if m.event_type == "email.send"]) == 1
    assert len([a for a in audits if a.action.startswith("billing.")]) == 1


def test_bad_or_missing_signatures_are_refused(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    settings = billing_settings(service_settings)
    make_tenant(settings.database_url, tenant_id, "free")
    client = billing_client(settings)
    body = stripe_event(
        "customer.subscription.created",
        _subscription(tenant_id, "cus_x", "active", PRICES["business"]),
    )
    forged = _post_event(client, body, secret="whsec_wrong")
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "bad_signature"
    missing = client.post("/webhooks/stripe", content=body)
    assert missing.status_code == 401
    stale = client.post(
        "/webhooks/stripe",
        content=body,
        headers={"Stripe-Signature": sign_stripe_payload(body, WEBHOOK_SECRET, 1_000_000)},
    )
    assert stale.status_code == 401
    assert _tenant(settings, tenant_id) == ("free", "none")
    unconfigured = billing_client(settings.model_copy(update={"stripe_webhook_secret": None}))
    assert _post_event(unconfigured, body).status_code == 503


def test_meter_events_are_never_counted_twice(service_settings, tenant_id, stripe_api):  # type: ignore[no-untyped-def]
    settings = billing_settings(service_settings, stripe_api.base_url)
    make_tenant(settings.database_url, tenant_id, "team")
    customer = ensure_customer(settings, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        get_account(session).subscription_status = "active"
    reserve_run(settings, tenant_id)
    reserve_run(settings, tenant_id)
    record_tokens(settings, tenant_id, 1200, "step-a")
    record_tokens(settings, tenant_id, 1200, "step-a")  # a retried step records once

    first = report_usage(settings)
    assert first.reported >= 3
    runs_event, tokens_event = (
        settings.stripe_meter_events["runs"],
        settings.stripe_meter_events["llm_tokens"],
    )
    assert stripe_api.meter_total(runs_event, customer) == 2
    assert stripe_api.meter_total(tokens_event, customer) == 1200

    # A crash after Stripe accepted but before `reported_at` was saved: the retry resends.
    with tenant_session(settings.database_url, tenant_id) as session:
        for entry in session.scalars(select(UsageEntry)):
            entry.reported_at = None
    stripe_api.fail_next(500)  # and the first resend hits a Stripe outage (SDK retries)
    again = report_usage(settings)
    assert again.reported + again.duplicates >= 3
    assert stripe_api.meter_total(runs_event, customer) == 2
    assert stripe_api.meter_total(tokens_event, customer) == 1200
    with tenant_session(settings.database_url, tenant_id) as session:
        assert all(e.reported_at for e in session.scalars(select(UsageEntry)))
    sent = [r for r in stripe_api.requests if r[1] == "/v1/billing/meter_events"]
    assert all(r[3].get("idempotency-key") == r[2]["identifier"] for r in sent)
    assert json.loads(json.dumps(sent[0][2]["payload"]))["stripe_customer_id"] == customer


def test_the_served_app_mounts_the_billing_webhooks(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from bot.app import create_app

    settings = billing_settings(service_settings)
    make_tenant(settings.database_url, tenant_id, "free")
    client = TestClient(create_app(settings))
    body = stripe_event(
        "customer.subscription.updated",
        {**_subscription(tenant_id, "cus_app", "active", PRICES["business"]), "id": "sub_app"},
    )
    response = _post_event(client, body)
    assert response.status_code == 200 and response.json()["outcome"] == "applied"
    assert _tenant(settings, tenant_id) == ("business", "active")
    assert client.post("/webhooks/sendgrid", content="[]").status_code == 503  # no key set
