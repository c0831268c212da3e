"""A tenant's outbound endpoints: register (secret shown once), list, enable/disable."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.models import WebhookEndpoint
from integrations.settings import Settings
from integrations.webhooks_out.crypto import encrypt_secret, new_secret
from integrations.webhooks_out.events import WEBHOOK_EVENTS


class EndpointError(ValueError):
    pass


def validate(url: str, events: list[str]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 2000:
        raise EndpointError("url must be an http(s) URL")
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown or not events:
        raise EndpointError(f"events must be some of: {', '.join(WEBHOOK_EVENTS)}")


def add_endpoint(
    session: Session,
    settings: Settings,
    tenant_id: str,
    url: str,
    events: list[str],
    description: str = "",
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (not retrievable later)."""
    validate(url, events)
    secret = new_secret("whsec_")
    endpoint = WebhookEndpoint(
        tenant_id=tenant_id,
        url=url,
        secret_encrypted=encrypt_secret(settings, secret),
        events=sorted(set(events)),
        description=description,
    )
    session.add(endpoint)
    session.flush()
    return endpoint, secret


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint | None:
    return session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    ).one_or_none()


def set_enabled(endpoint: WebhookEndpoint, enabled: bool) -> None:
    endpoint.enabled = enabled
    if enabled:
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
