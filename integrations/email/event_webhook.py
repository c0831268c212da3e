"""SendGrid's signed event webhook: verify with the SDK's `EventWebhook`, then keep the
suppression list. Events are pydantic-checked; unknown event kinds are ignored."""

from __future__ import annotations

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


def verify(settings: Settings, payload: str, signature: str, timestamp: str) -> bool:
    if not settings.sendgrid_webhook_public_key:
        raise WebhookNotConfigured("SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
    if not signature or not timestamp:
        return False
    helper = EventWebhook()
    try:
        key = helper.convert_public_key_to_ecdsa(settings.sendgrid_webhook_public_key)
        return bool(helper.verify_signature(payload, signature, timestamp, key))
    except ValueError:  # malformed base64 signature or key
        return False


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
