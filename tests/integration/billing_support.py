"""Helpers shared by the billing integration tests: an app with the billing edges mounted,
settings pointing the real SDKs at the local fakes, and tenant set-up."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bot.billing.routes import router
from bot.error_handlers import install_error_handlers
from integrations.billing.period import current_period
from integrations.db.models import Role, UsageEntry
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from integrations.settings import Settings

WEBHOOK_SECRET = "whsec_test_billing"
PRICES = {"team": "price_team_test", "business": "price_business_test"}


def billing_settings(base: Settings, stripe_base: str | None = None, **extra) -> Settings:  # type: ignore[no-untyped-def]
    return base.model_copy(
        update={
            "stripe_api_key": SecretStr("sk_test_fake"),
            "stripe_api_base": stripe_base,
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "stripe_price_ids": PRICES,
            "billing_link_secret": SecretStr("link-secret"),
            **extra,
        }
    )


def billing_client(settings: Settings) -> TestClient:
    app = FastAPI()
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False)


def add_admin(settings: Settings, tenant_id: str, email: str = "owner@example.com") -> None:
    with tenant_session(settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UOWNER", email=email, role=Role.owner)


def use_up_runs(settings: Settings, tenant_id: str, count: int) -> None:
    period = current_period().name
    with tenant_session(settings.database_url, tenant_id) as session:
        for i in range(count):
            session.add(
                UsageEntry(
                    tenant_id=tenant_id, metric="runs", quantity=1, period=period, ref=f"used-{i}"
                )
            )
