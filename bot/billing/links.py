"""`/bmad billing [plan]`: a Checkout Session link for a subscription and a Customer Portal
link, for users allowed to manage billing. Shared by Slack and any other channel."""

from __future__ import annotations

import stripe

from agents.access import PermissionDenied, require
from integrations.billing.customers import checkout_url, portal_url
from integrations.billing.plans import load_catalog
from integrations.billing.stripe_client import BillingNotConfigured
from integrations.billing.texts import render_text
from integrations.db.events import record_audit
from integrations.db.session import tenant_session
from integrations.db.tenants import find_user, role_of
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


class UnknownPlan(ValueError):
    """Not a plan one can subscribe to; the message lists those that are."""


def billing_links(
    settings: Settings,
    tenant_id: str,
    user_id: str,
    plan: str = "team",
    lang: str = "en",
    source: str = "slack",
) -> tuple[str, str]:
    """(Checkout Session URL for `plan`, Customer Portal URL), audited.

    Raises UnknownPlan, PermissionDenied, BillingNotConfigured or stripe.StripeError.
    """
    catalog = load_catalog()
    if plan not in catalog.plans or plan == catalog.default_plan:
        paid = ", ".join(p for p in catalog.plans if p != catalog.default_plan)
        raise UnknownPlan(render_text("unknown_plan", lang, plan=plan, plans=paid))
    with tenant_session(settings.database_url, tenant_id) as session:
        role = role_of(session, user_id)
        user = find_user(session, user_id)
        email = user.email if user else None
    require(role, "manage_billing", lang)
    checkout = checkout_url(settings, tenant_id, plan, email)
    portal = portal_url(settings, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        record_audit(
            session,
            tenant_id,
            actor=user_id,
            action="billing.checkout_link",
            target=plan,
            source=source,
        )
    return checkout, portal


def billing_refusal(err: Exception, tenant_id: str, plan: str, lang: str) -> str:
    """The user's words for why `billing_links` gave no links (no vendor text)."""
    if isinstance(err, UnknownPlan):
        return str(err)
    if isinstance(err, PermissionDenied):
        return err.message
    if isinstance(err, BillingNotConfigured):
        return render_text("billing_not_configured", lang, plan=plan)
    log.warning("billing_links_failed", tenant_id=tenant_id, error=type(err).__name__)
    return render_text("billing_unavailable", lang)


BILLING_ERRORS = (UnknownPlan, PermissionDenied, BillingNotConfigured, stripe.StripeError)


def billing_refusal_status(err: Exception) -> tuple[int, str]:
    """The HTTP status and error code for a `billing_refusal`: who may not is a 403, an
    unknown plan is bad input (422), billing not set up is the tenant's state (409), and
    Stripe failing is a 503 - asking again later may work."""
    if isinstance(err, PermissionDenied):
        return 403, "forbidden"
    if isinstance(err, UnknownPlan):
        return 422, "unknown_plan"
    if isinstance(err, BillingNotConfigured):
        return 409, "billing_not_configured"
    return 503, "billing_unavailable"


def billing_links_text(
    settings: Settings, tenant_id: str, user_id: str, plan: str = "team", lang: str = "en"
) -> str:
    try:
        checkout, portal = billing_links(settings, tenant_id, user_id, plan, lang)
    except BILLING_ERRORS as err:
        return billing_refusal(err, tenant_id, plan, lang)
    return render_text("billing_links", lang, plan=plan, checkout_url=checkout, portal_url=portal)
