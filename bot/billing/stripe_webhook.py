"""POST /webhooks/stripe: Stripe's events (subscriptions, invoices) applied to the tenant.

Missing secret: 503, never "accept all". The signature is checked on the raw text first
(401 when missing, wrong or expired); a verified body that is not a Stripe event is a 400.
"""

from __future__ import annotations

import stripe
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.api.deps import SettingsDep
from bot.billing.http import RAW_JSON, error_responses
from bot.errors import error_body
from integrations.billing.webhook import process_event
from integrations.security.json_limits import BadJson, loads_object

router = APIRouter(tags=["billing"])

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


@router.post(
    "/webhooks/stripe",
    openapi_extra=RAW_JSON,
    responses=error_responses(
        s400="not a Stripe event",
        s401="missing, wrong or expired Stripe-Signature",
        s413="body larger than BMAD_MAX_BODY_BYTES",
        s503="Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET)",
    ),
)
async def stripe_webhook(request: Request, settings: SettingsDep) -> Response:
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
