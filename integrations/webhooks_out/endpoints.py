"""A tenant's outbound endpoints: register (secret shown once), list, enable/disable, replay.

Every change is audited in the same transaction (who can receive the tenant's events is a
question of access). Enabling an endpoint re-arms its held deliveries with a fresh retry
window, so nothing acknowledged while it was off is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from integrations.db.events import record_audit
from integrations.db.models import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.db.session import rowcount
from integrations.security.ssrf import UnsafeUrl, check_url
from integrations.settings import Settings
from integrations.webhooks_out.crypto import encrypt_secret
from integrations.webhooks_out.events import WEBHOOK_EVENTS
from integrations.webhooks_out.standard import new_endpoint_secret


class EndpointError(ValueError):
    pass


def validate(settings: Settings, url: str, events: list[str]) -> None:
    try:
        check_url(settings, url)  # https, public addresses only (SSRF guard)
    except UnsafeUrl as err:
        raise EndpointError(str(err)) from err
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
    actor: str = "system",
    source: str = "cli",
) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it and its signing secret (not retrievable later)."""
    validate(settings, url, events)
    secret = new_endpoint_secret()
    endpoint = WebhookEndpoint(
        tenant_id=tenant_id,
        url=url,
        secret_encrypted=encrypt_secret(settings, secret),
        events=sorted(set(events)),
        description=description,
    )
    session.add(endpoint)
    session.flush()
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="webhook.endpoint_added",
        target=f"endpoint:{endpoint.public_id}",
        details={"url": url, "events": endpoint.events},
        source=source,
    )
    return endpoint, secret


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def get_endpoint(session: Session, ref: int | str) -> WebhookEndpoint | None:
    """By public id (`whe_…`, what the console and payloads show) or, for the operator's
    CLI, by number."""
    column = WebhookEndpoint.public_id if isinstance(ref, str) else WebhookEndpoint.id
    return session.scalars(select(WebhookEndpoint).where(column == ref)).one_or_none()


def set_enabled(
    session: Session,
    endpoint: WebhookEndpoint,
    enabled: bool,
    *,
    actor: str = "system",
    source: str = "cli",
    now: datetime | None = None,
) -> int:
    """Turn an endpoint on or off; on re-enable its pending deliveries go out at once.

    Returns the number of deliveries re-armed.
    """
    now = now or datetime.now(UTC)
    endpoint.enabled = enabled
    rearmed = 0
    if enabled:
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        endpoint.disabled_at = None
        rearmed = rowcount(
            session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.endpoint_id == endpoint.id,
                    WebhookDelivery.status == "pending",
                )
                .values(next_attempt_at=now, window_started_at=now)
                .execution_options(synchronize_session=False)
            )
        )
    else:
        endpoint.disabled_at = now
    record_audit(
        session,
        endpoint.tenant_id,
        actor=actor,
        action="webhook.endpoint_enabled" if enabled else "webhook.endpoint_disabled",
        target=f"endpoint:{endpoint.public_id}",
        details={"rearmed": rearmed} if enabled else {},
        source=source,
    )
    return rearmed


def replay(
    session: Session,
    tenant_id: str,
    *,
    since: datetime,
    until: datetime | None = None,
    endpoint_id: int | None = None,
    now: datetime | None = None,
    actor: str = "system",
) -> int:
    """Send the tenant's events created in [since, until) again to the subscribed endpoints.

    Existing deliveries are re-armed (same `webhook-id`, so receivers dedupe), missing ones
    (e.g. the endpoint was added later) are created. Returns the number of deliveries queued.
    """
    now = now or datetime.now(UTC)
    query = select(OutboxEvent).where(
        OutboxEvent.event_type.in_(WEBHOOK_EVENTS), OutboxEvent.created_at >= since
    )
    if until is not None:
        query = query.where(OutboxEvent.created_at < until)
    endpoints = [e for e in list_endpoints(session) if endpoint_id is None or e.id == endpoint_id]
    queued = 0
    for event in session.scalars(query.order_by(OutboxEvent.id)):
        for endpoint in endpoints:
            if event.event_type not in (endpoint.events or []):
                continue
            delivery = session.scalars(
                select(WebhookDelivery).where(
                    WebhookDelivery.event_id == event.id,
                    WebhookDelivery.endpoint_id == endpoint.id,
                )
            ).one_or_none()
            if delivery is None:
                delivery = WebhookDelivery(
                    tenant_id=tenant_id,
                    event_id=event.id,
                    endpoint_id=endpoint.id,
                    event_type=event.event_type,
                    attempts=0,
                    created_at=now,
                )
                session.add(delivery)
            delivery.status = "pending"
            delivery.next_attempt_at = now
            delivery.window_started_at = now
            queued += 1
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="webhook.replayed",
        target=f"endpoint:{endpoint_id}" if endpoint_id else "endpoints:all",
        details={
            "since": since.isoformat(),
            "until": until.isoformat() if until else None,
            "queued": queued,
        },
        source="cli",
    )
    return queued


@dataclass(frozen=True)
class AttemptLine:
    """One HTTP attempt of the delivery log, with its delivery's event and state."""

    at: datetime
    endpoint_id: int
    event_type: str
    delivery_id: int
    attempt: int
    status_code: int | None
    ok: bool
    error: str
    delivery_status: str


def delivery_log(session: Session, limit: int = 20) -> list[AttemptLine]:
    """The tenant's latest attempts, newest first (`bmad webhooks deliveries`, the console)."""
    rows = session.execute(
        select(WebhookAttempt, WebhookDelivery)
        .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .order_by(WebhookAttempt.id.desc())
        .limit(limit)
    ).all()
    return [
        AttemptLine(
            a.created_at,
            a.endpoint_id,
            d.event_type,
            d.id,
            a.attempt,
            a.status_code,
            a.ok,
            a.error,
            d.status,
        )
        for a, d in rows
    ]
