"""The SendGrid SDK call. `SENDGRID_API_HOST` points the client at a local fake in tests."""

from __future__ import annotations

from typing import Any

from sendgrid import SendGridAPIClient
from sendgrid.helpers.mail import Content, CustomArg, Email, Mail, To

from integrations.settings import Settings

DEFAULT_HOST = "https://api.sendgrid.com"


class EmailNotConfigured(RuntimeError):
    """No SendGrid API key: emails stay queued until one is configured."""


def client(settings: Settings) -> SendGridAPIClient:
    if settings.sendgrid_api_key is None:
        raise EmailNotConfigured("SENDGRID_API_KEY is not set")
    return SendGridAPIClient(
        api_key=settings.sendgrid_api_key.get_secret_value(),
        host=settings.sendgrid_api_host or DEFAULT_HOST,
    )


def send(settings: Settings, payload: dict[str, Any], outbox_id: int) -> int:
    """Send one queued email; returns the HTTP status (raises on 4xx/5xx via the SDK)."""
    mail = Mail(
        from_email=Email(settings.email_from),
        to_emails=To(payload["to"]),
        subject=payload["subject"],
    )
    mail.add_content(Content("text/plain", payload["text"]))
    mail.add_content(Content("text/html", payload["html"]))
    # custom_args come back on event webhooks: which outbox row / template an event is about.
    mail.add_custom_arg(CustomArg("bmad_outbox_id", str(outbox_id)))
    mail.add_custom_arg(CustomArg("bmad_template", payload["template"]))
    response = client(settings).send(mail)
    return int(response.status_code)
