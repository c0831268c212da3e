"""Billing HTTP edges: Stripe and SendGrid webhooks, the signed upgrade link.

Missing secrets mean the endpoint refuses (503), never "accept all". A missing, wrong or
expired signature is a 401 (like every other receiver); a verified body that is not what
the vendor sends is a 400. Nothing is parsed or written before a request is verified.
"""

from __future__ import annotations

from typing import Any

import stripe
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from pydantic import ValidationError

from agents.schedule import poll_scheduler
from bot.api.schemas import ErrorOut
from bot.errors import error_body
from bot.pollers import embedded_poller_lifespan
from integrations.billing.customers import checkout_url
from integrations.billing.links import verify_upgrade_link
from integrations.billing.stripe_client import BillingNotConfigured
from integrations.billing.texts import render_text
from integrations.billing.webhook import process_event
from integrations.email import event_webhook
from integrations.observability.logging import get_logger
from integrations.security.json_limits import BadJson, loads_limited, loads_object
from integrations.settings import Settings

log = get_logger(__name__)


# Embedded mode has no beat: deliver emails and admin DMs from a thread here.
router = APIRouter(
    tags=["billing"], lifespan=embedded_poller_lifespan(poll_scheduler(["billing-deliver-emails"]))
)


def _settings(request: Request) -> Settings:
    return request.app.state.settings


STRIPE_TOLERANCE = 300  # seconds, Stripe's own default


def _stripe_event(payload: bytes) -> stripe.Event | None:
    """A verified body in the shape of an event (id, type, data.object), else None."""
    try:
        data = loads_object(payload)
    except BadJson:
        return None
    inner = data.get("data")
    if not (
        isinstance(data.get("id"), str)
        and isinstance(data.get("type"), str)
        and isinstance(inner, dict)
        and isinstance(inner.get("object"), dict)
    ):
        return None
    return stripe.Event.construct_from(data, None)


def _errors(**statuses: str) -> dict[int | str, dict[str, Any]]:
    return {
        int(code[1:]): {"model": ErrorOut, "description": why} for code, why in statuses.items()
    }


RAW_JSON = {"requestBody": {"required": True, "content": {"application/json": {"schema": {}}}}}


@router.post(
    "/webhooks/stripe",
    openapi_extra=RAW_JSON,
    responses=_errors(
        s400="not a Stripe event",
        s401="missing, wrong or expired Stripe-Signature",
        s413="body larger than BMAD_MAX_BODY_BYTES",
        s503="Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)",
    ),
)
async def stripe_webhook(request: Request) -> Response:
    settings = _settings(request)
    if settings.stripe_webhook_secret is None:
        return error_body(503, "not_configured", "Stripe webhooks are not configured")
    payload = await request.body()
    signature = request.headers.get("stripe-signature")
    if not signature:
        return error_body(401, "missing_signature", "Stripe-Signature header is missing")
    secret = settings.stripe_webhook_secret.get_secret_value()
    try:  # the signature first, on the raw text; only then is the body parsed (with limits)
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(text, signature, secret, STRIPE_TOLERANCE)
    except (stripe.SignatureVerificationError, UnicodeDecodeError):
        return error_body(401, "bad_signature", "the Stripe signature does not verify")
    event = _stripe_event(payload)
    if event is None:
        return error_body(400, "invalid_payload", "the body is not a Stripe event")
    outcome = process_event(settings, event)
    return JSONResponse({"received": True, "outcome": outcome})


@router.post(
    "/webhooks/sendgrid",
    openapi_extra=RAW_JSON,
    responses=_errors(
        s400="not a list of SendGrid events",
        s401="missing, wrong or expired signature",
        s413="body larger than BMAD_MAX_BODY_BYTES",
        s503="SendGrid event webhooks are not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)",
    ),
)
async def sendgrid_webhook(request: Request) -> Response:
    settings = _settings(request)
    payload = (await request.body()).decode("utf-8", errors="replace")
    try:
        refused = event_webhook.verify(
            settings,
            payload,
            request.headers.get(event_webhook.SIGNATURE_HEADER, ""),
            request.headers.get(event_webhook.TIMESTAMP_HEADER, ""),
        )
    except event_webhook.WebhookNotConfigured:
        return error_body(503, "not_configured", "SendGrid event webhooks are not configured")
    if refused is not None:
        return error_body(401, refused, "the SendGrid signature does not verify")
    try:
        events = event_webhook.EVENTS.validate_python(loads_limited(payload))
    except (BadJson, ValidationError):
        return error_body(400, "invalid_payload", "the body is not a list of SendGrid events")
    suppressed = event_webhook.apply_events(settings, events)
    return JSONResponse({"received": len(events), "suppressed": suppressed})


@router.get(
    "/billing/upgrade",
    response_class=RedirectResponse,
    status_code=303,
    responses={
        303: {"description": "to Stripe Checkout"},
        403: {"content": {"text/plain": {}}, "description": "invalid or expired link"},
        **_errors(
            s502="Stripe could not be reached",
            s503="billing is not configured",
        ),
    },
)
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


@router.get(
    "/billing/done",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "a short page"}},
)
def done(status: str = Query("success", max_length=16), lang: str = Query("en", max_length=5)):
    name = "checkout_done" if status == "success" else "checkout_cancelled"
    return PlainTextResponse(render_text(name, lang))
