"""POST /webhooks/sendgrid: SendGrid's signed event webhook (bounces, spam reports and
unsubscribes suppress the address). Missing public key: 503; bad signature or a timestamp
outside the tolerance: 401; a verified body that is not a list of events: 400."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError

from bot.api.deps import SettingsDep
from bot.billing.http import RAW_JSON, error_responses
from bot.errors import error_body
from integrations.email import event_webhook
from integrations.security.json_limits import BadJson, loads_limited

router = APIRouter(tags=["billing"])


@router.post(
    "/webhooks/sendgrid",
    openapi_extra=RAW_JSON,
    responses=error_responses(
        s400="not a list of SendGrid events",
        s401="missing, wrong or expired signature",
        s413="body larger than BMAD_MAX_BODY_BYTES",
        s503="SendGrid event webhooks are not configured (SENDGRID_WEBHOOK_PUBLIC_KEY)",
    ),
)
async def sendgrid_webhook(request: Request, settings: SettingsDep) -> Response:
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
