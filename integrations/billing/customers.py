"""One Stripe customer per tenant, Checkout Session and Customer Portal links.

The customer is created with the idempotency key `bmad-customer-<tenant>`, so two
processes creating it at once get the same Stripe customer (Stripe replays the first
response), and the id is stored on the tenant's billing account.
"""

from __future__ import annotations

from stripe.params import CustomerCreateParams

from integrations.billing.accounts import ensure_account
from integrations.billing.stripe_client import BillingNotConfigured, stripe_client
from integrations.db.models import Tenant
from integrations.db.session import tenant_session
from integrations.settings import Settings


def ensure_customer(settings: Settings, tenant_id: str, email: str | None = None) -> str:
    with tenant_session(settings.database_url, tenant_id) as session:
        account = ensure_account(session, tenant_id)
        if account.stripe_customer_id:
            return account.stripe_customer_id
        tenant = session.get(Tenant, tenant_id)
        params: CustomerCreateParams = {
            "name": tenant.name if tenant else tenant_id,
            "metadata": {"tenant_id": tenant_id},
        }
        if email:
            params["email"] = email
        customer = stripe_client(settings).v1.customers.create(
            params=params, options={"idempotency_key": f"bmad-customer-{tenant_id}"}
        )
        account.stripe_customer_id = customer.id
        return customer.id


def price_for(settings: Settings, plan: str) -> str:
    price = settings.stripe_price_ids.get(plan)
    if not price:
        raise BillingNotConfigured(f"no Stripe price configured for plan {plan!r}")
    return price


def plan_for_price(settings: Settings, price_id: str | None) -> str | None:
    for plan, price in settings.stripe_price_ids.items():
        if price == price_id:
            return plan
    return None


def checkout_url(settings: Settings, tenant_id: str, plan: str, email: str | None = None) -> str:
    """A Stripe Checkout Session for a subscription to `plan`; returns its URL."""
    price = price_for(settings, plan)
    customer = ensure_customer(settings, tenant_id, email)
    base = settings.public_url.rstrip("/")
    session = stripe_client(settings).v1.checkout.sessions.create(
        params={
            "mode": "subscription",
            "customer": customer,
            "client_reference_id": tenant_id,
            "line_items": [{"price": price, "quantity": 1}],
            "metadata": {"tenant_id": tenant_id, "plan": plan},
            "subscription_data": {"metadata": {"tenant_id": tenant_id, "plan": plan}},
            "success_url": f"{base}/billing/done?status=success",
            "cancel_url": f"{base}/billing/done?status=cancel",
        }
    )
    return str(session.url)


def portal_url(settings: Settings, tenant_id: str) -> str:
    """A Stripe Customer Portal session for the tenant; returns its URL."""
    customer = ensure_customer(settings, tenant_id)
    session = stripe_client(settings).v1.billing_portal.sessions.create(
        params={"customer": customer, "return_url": settings.public_url.rstrip("/") + "/"}
    )
    return str(session.url)
