"""Billing only where billing is configured (issue 17): self_hosted without Stripe, explicit
plans as set, plan changes audited, usage before a subscription not metered."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.console import ConsoleSession
from bot.slack.tenancy import ensure_tenant
from integrations.billing.customers import ensure_customer
from integrations.billing.meter import report_usage
from integrations.billing.plan_change import set_plan
from integrations.billing.quota import QuotaRefused, reserve_run
from integrations.billing.usage import render_usage, usage_summary
from integrations.db.models import AuditEntry, Tenant
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import create_tenant
from integrations.settings import Settings
from tests.fakes.stripe_api import FakeStripe, stripe_event
from tests.integration.billing_support import (
    PRICES,
    billing_client,
    billing_settings,
    use_up_runs,
)
from tests.integration.test_billing_stripe import _post_event, _subscription

pytestmark = pytest.mark.integration


def _plan(settings: Settings, tenant: str) -> str:
    with admin_session(settings.database_url) as session:
        row = session.get(Tenant, tenant)
        assert row is not None
        return row.plan


def _audit(settings: Settings, tenant: str) -> list[AuditEntry]:
    with tenant_session(settings.database_url, tenant) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_without_stripe_new_tenants_are_self_hosted_without_a_run_quota(
    service_settings: Settings, tenant_id: str
) -> None:
    """Defect: the embedded `local` tenant was on the free plan, so after 20 runs a
    self-hosted install answered "Upgrade to keep going" with a link to no Stripe."""
    assert service_settings.stripe_api_key is None
    ensure_tenant(service_settings, tenant_id + "s")  # a Slack workspace's first turn
    console = ConsoleSession(
        service_settings, tenant_id + "c", "operator", "main", out=lambda _: None
    )
    console.prepare()  # `bmad chat` creates its tenant (the embedded `local` one)
    for tenant in (tenant_id + "s", tenant_id + "c"):
        assert _plan(service_settings, tenant) == "self_hosted"
        for _ in range(25):  # more than the free plan's 20
            reserve_run(service_settings, tenant)
        summary = usage_summary(service_settings, tenant)
        assert summary.runs.limit is None and not summary.runs_blocked
        assert "sorted out" not in render_usage(summary)
        created = [a for a in _audit(service_settings, tenant) if a.action == "tenant.created"]
        assert created and created[0].details == {"plan": "self_hosted"}


def test_an_explicit_plan_applies_as_set_and_changes_are_audited(
    service_settings: Settings, tenant_id: str
) -> None:
    with admin_session(service_settings.database_url) as session:
        create_tenant(session, tenant_id, "t", "free", actor="cli:op", source="cli")
    use_up_runs(service_settings, tenant_id, 20)
    with pytest.raises(QuotaRefused) as refused:
        reserve_run(service_settings, tenant_id)
    assert refused.value.refusal.plan == "free"
    summary = usage_summary(service_settings, tenant_id)
    text = render_usage(summary)
    assert summary.runs_blocked and not summary.payment_blocked
    assert "sorted out" not in text and "quota" in text

    with admin_session(service_settings.database_url) as session:
        assert set_plan(session, tenant_id, "team", actor="cli:op", source="cli")
        assert not set_plan(session, tenant_id, "team", actor="cli:op", source="cli")
    reserve_run(service_settings, tenant_id)  # the new plan's quota applies at once
    changes = [a for a in _audit(service_settings, tenant_id) if a.action == "tenant.plan_changed"]
    assert [(a.actor, a.details) for a in changes] == [("cli:op", {"from": "free", "to": "team"})]


def test_usage_before_the_subscription_started_is_not_metered(
    service_settings: Settings, tenant_id: str
) -> None:
    """Defect: the 20 free-plan runs were also reported as metered usage after subscribing."""
    with FakeStripe() as stripe_api:
        settings = billing_settings(service_settings, stripe_api.base_url)
        with admin_session(settings.database_url) as session:
            create_tenant(session, tenant_id, "t", "free")
        customer = ensure_customer(settings, tenant_id)
        for _ in range(3):
            reserve_run(settings, tenant_id)  # on the free plan
        created = stripe_event(
            "customer.subscription.created",
            _subscription(tenant_id, customer, "active", PRICES["team"]),
        )
        assert _post_event(billing_client(settings), created).json()["outcome"] == "applied"
        assert _plan(settings, tenant_id) == "team"
        for _ in range(2):
            reserve_run(settings, tenant_id)  # subscribed
        report_usage(settings)
        assert stripe_api.meter_total(settings.stripe_meter_events["runs"], customer) == 2
