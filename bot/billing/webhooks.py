"""Billing HTTP edges: Stripe and SendGrid webhooks, the signed upgrade link.

Missing secrets mean the endpoint refuses (503), never "accept all". Bad signatures get
400 with a JSON body; nothing is written before a request is verified.
"""

from __future__ import annotations

import json

import stripe
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from bot.errors import error_body
from bot.pollers import embedded_poller_lifespan
from integrations.billing.customers import checkout_url
from integrations.billing.links import verify_upgrade_link
from integrations.billing.poller import NotificationPoller
from integrations.billing.stripe_client import BillingNotConfigured
from integrations.billing.texts import render_text
from integrations.billing.webhook import process_event
from integrations.email import event_webhook
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


# Embedded mode has no beat: deliver emails and admin DMs from a thread here.
router = APIRouter(tags=["billing"], lifespan=embedded_poller_lifespan(NotificationPoller))


def _settings(request: Request) -> Settings:
    return request.app.state.settings


@router.post("/webhooks/stripe")
async def stripe_webhook(request: Request) -> Response:
    settings = _settings(request)
    if settings.stripe_webhook_secret is None:
        return error_body(503, "not_configured", "Stripe webhooks are not configured")
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    if not signature:
        return error_body(400, "missing_signature", "Stripe-Signature header is missing")
    try:
        event = stripe.Webhook.construct_event(
            payload.decode("utf-8"), signature, settings.stripe_webhook_secret.get_secret_value()
        )
    except stripe.SignatureVerificationError:
        return error_body(400, "bad_signature", "the Stripe signature does not verify")
    except (ValueError, UnicodeDecodeError):
        return error_body(400, "invalid_payload", "the body is not a Stripe event")
    outcome = process_event(settings, event)
    return JSONResponse({"received": True, "outcome": outcome})


@router.post("/webhooks/sendgrid")
async def sendgrid_webhook(request: Request) -> Response:
    settings = _settings(request)
    payload = (await request.body()).decode("utf-8", errors="replace")
    try:
        verified = event_webhook.verify(
            settings,
            payload,
            request.headers.get(event_webhook.SIGNATURE_HEADER, ""),
            request.headers.get(event_webhook.TIMESTAMP_HEADER, ""),
        )
    except event_webhook.WebhookNotConfigured:
        return error_body(503, "not_configured", "SendGrid event webhooks are not configured")
    if not verified:
        return error_body(400, "bad_signature", "the SendGrid signature does not verify")
    try:
        events = event_webhook.EVENTS.validate_python(json.loads(payload))
    except (ValueError, ValidationError):
        return error_body(400, "invalid_payload", "the body is not a list of SendGrid events")
    suppressed = event_webhook.apply_events(settings, events)
    return JSONResponse({"received": len(events), "suppressed": suppressed})


@router.get("/billing/upgrade")
def upgrade(
    request: Request,
    tenant: str = Query("", max_length=64),
    plan: str = Query("team", max_length=32),
    exp: int = Query(0),
    sig: str = Query("", max_length=128),
    lang: str = Query("en", max_length=5),
) -> Response:
    """Follow a signed upgrade link: open a Stripe Checkout Session for the tenant."""
    settings = _settings(request)
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


@router.get("/billing/done")
def done(status: str = Query("success", max_length=16), lang: str = Query("en", max_length=5)):  # type: ignore[no-untyped-def]
    name = "checkout_done" if status == "success" else "checkout_cancelled"
    return PlainTextResponse(render_text(name, lang))
