"""GET /billing/upgrade (a signed upgrade link opens Stripe Checkout) and GET /billing/done
(where Checkout sends the user back)."""

from __future__ import annotations

import stripe
from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse, RedirectResponse, Response

from bot.api.deps import SettingsDep
from bot.billing.http import error_responses
from bot.errors import error_body
from integrations.billing.customers import checkout_url
from integrations.billing.links import verify_upgrade_link
from integrations.billing.stripe_client import BillingNotConfigured
from integrations.billing.texts import render_text
from integrations.observability.logging import get_logger

log = get_logger(__name__)
router = APIRouter(tags=["billing"])


@router.get(
    "/billing/upgrade",
    response_class=RedirectResponse,
    status_code=303,
    responses={
        303: {"description": "to Stripe Checkout"},
        403: {"content": {"text/plain": {}}, "description": "invalid or expired link"},
        **error_responses(
            s502="Stripe could not be reached",
            s503="billing is not configured",
        ),
    },
)
def upgrade(
    settings: SettingsDep,
    tenant: str = Query("", max_length=64),
    plan: str = Query("team", max_length=32),
    exp: int = Query(0),
    sig: str = Query("", max_length=128),
    lang: str = Query("en", max_length=5),
) -> Response:
    """Follow a signed upgrade link: open a Stripe Checkout Session for the tenant."""
    if not tenant or not verify_upgrade_link(settings, tenant, plan, exp, sig):
        return PlainTextResponse(render_text("upgrade_link_invalid", lang), status_code=403)
    try:
        url = checkout_url(settings, tenant, plan)
    except BillingNotConfigured:
        return error_body(503, "not_configured", "billing is not configured")
    except stripe.StripeError:
        log.warning("checkout_failed", tenant_id=tenant)
        return error_body(502, "stripe_unavailable", "Stripe could not be reached, try again")
    return RedirectResponse(url, status_code=303)


@router.get(
    "/billing/done",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "a short page"}},
)
def done(status: str = Query("success", max_length=16), lang: str = Query("en", max_length=5)):
    name = "checkout_done" if status == "success" else "checkout_cancelled"
    return PlainTextResponse(render_text(name, lang))
