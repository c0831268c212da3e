"""SendGrid's signed event webhook: verify with the SDK's `EventWebhook`, then keep the
suppression list. Events are pydantic-checked; unknown event kinds are ignored."""

from __future__ import annotations

import time

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from sendgrid.helpers.eventwebhook import EventWebhook

from integrations.db.session import admin_session
from integrations.email.suppression import SUPPRESSING_EVENTS, suppress
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)
SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


class WebhookNotConfigured(RuntimeError):
    pass


class SendGridEvent(BaseModel):
    model_config = ConfigDict(extra="allow")

    email: str = Field(max_length=320)
    event: str = Field(max_length=32)
    timestamp: int | None = None
    sg_event_id: str | None = None
    type: str | None = None  # bounce: "bounce" (hard) or "blocked" (temporary)
    reason: str | None = None


EVENTS = TypeAdapter(list[SendGridEvent])


TOLERANCE = 300  # seconds: a signed batch older than this is a replay, not a delivery


def verify(
    settings: Settings, payload: str, signature: str, timestamp: str, *, now: float | None = None
) -> str | None:
    """None when the batch is signed and fresh, else why not (`bad_signature`,
    `expired_timestamp`). The timestamp is part of what SendGrid signs, so checking its age
    makes a captured batch worthless after five minutes."""
    if not settings.sendgrid_webhook_public_key:
        raise WebhookNotConfigured("SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
    if not signature or not timestamp or not timestamp.isdigit() or len(timestamp) > 12:
        return "bad_signature"
    helper = EventWebhook()
    try:
        key = helper.convert_public_key_to_ecdsa(settings.sendgrid_webhook_public_key)
        if not helper.verify_signature(payload, signature, timestamp, key):
            return "bad_signature"
    except ValueError:  # malformed base64 signature or key
        return "bad_signature"
    if abs((time.time() if now is None else now) - int(timestamp)) > TOLERANCE:
        return "expired_timestamp"
    return None


def apply_events(settings: Settings, events: list[SendGridEvent]) -> int:
    """Suppress addresses on bounce (not temporary blocks), dropped and spamreport."""
    added = 0
    with admin_session(settings.database_url) as session:
        for event in events:
            if event.event not in SUPPRESSING_EVENTS:
                continue
            if event.event == "bounce" and event.type == "blocked":
                continue
            if suppress(session, event.email, event.event):
                added += 1
                log.info("email_suppressed", reason=event.event, sg_event_id=event.sg_event_id)
    return added
