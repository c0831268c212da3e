"""Deliver due webhook deliveries: one signed POST each, logged, retried with backoff.

Each delivery has its own retry schedule (`backoff`); the endpoint is disabled only when
every attempt to it has failed for `BMAD_WEBHOOK_DISABLE_AFTER` (a burst of events during a
short outage does not add up to a "streak"). A disabled endpoint's deliveries stay pending
and are sent when it is enabled again (`endpoints.set_enabled`).

No transaction is held during HTTP: due rows are first leased (their `next_attempt_at`
pushed past the request timeout, claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL), the
POST is sent, then the outcome is recorded. A worker that dies mid-request leaves a lease
that simply expires, and the delivery is tried again (receivers dedupe on the event id).
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from integrations.db.models import OutboxEvent, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from integrations.db.session import admin_session
from integrations.observability.logging import get_logger
from integrations.observability.metrics import WEBHOOK_DELIVERY_ATTEMPTS
from integrations.security.ssrf import UnsafeUrl, pin
from integrations.settings import Settings
from integrations.webhooks_out.backoff import next_attempt
from integrations.webhooks_out.crypto import SecretUnreadableError, decrypt_secret
from integrations.webhooks_out.events import TEST_EVENT, envelope
from integrations.webhooks_out.standard import signed_headers

log = get_logger(__name__)
BATCH = 50
CONCURRENCY = 8
USER_AGENT = "BMAD-Webhooks/1"


@dataclass(frozen=True)
class Request:
    delivery_id: int
    tenant_id: str
    endpoint_id: int
    url: str
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str
    duration_ms: int


@dataclass
class DeliveryReport:
    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    attempts: list[Outcome] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        """Due rows this pass took: a full batch means more may be waiting."""
        return self.delivered + self.retrying + self.failed

    def add(self, other: DeliveryReport) -> None:
        self.delivered += other.delivered
        self.retrying += other.retrying
        self.failed += other.failed
        self.attempts.extend(other.attempts)


def deliver_due(
    settings: Settings,
    now: datetime,
    client: httpx.Client | None = None,
    limit: int = BATCH,
    only: list[int] | None = None,
) -> DeliveryReport:
    report = DeliveryReport()
    requests = _lease(settings, now, limit, report, only)
    if not requests:
        return report
    own = client is None
    client = client or httpx.Client(
        timeout=settings.webhook_delivery_timeout,
        follow_redirects=False,
        limits=httpx.Limits(max_connections=CONCURRENCY),
    )
    try:
        # POSTs in parallel (one slow receiver must not hold up the others' deliveries);
        # the outcomes of the pass are then recorded in one transaction.
        with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
            outcomes = list(pool.map(lambda r: _post(settings, client, r), requests))
        report.attempts.extend(outcomes)
        _record_all(settings, list(zip(requests, outcomes, strict=True)), now, report)
    finally:
        if own:
            client.close()
    return report


def _lease(
    settings: Settings, now: datetime, limit: int, report: DeliveryReport, only: list[int] | None
) -> list[Request]:
    lease_until = now + timedelta(seconds=settings.webhook_delivery_timeout + 30)
    out: list[Request] = []
    with admin_session(settings.database_url) as session:
        query = (
            select(WebhookDelivery)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                WebhookDelivery.status == "pending",
                or_(WebhookEndpoint.enabled.is_(True), WebhookDelivery.event_type == TEST_EVENT),
                or_(
                    WebhookDelivery.next_attempt_at.is_(None),
                    WebhookDelivery.next_attempt_at <= now,
                ),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        if only is not None:
            query = query.where(WebhookDelivery.id.in_(only))
        if not settings.database_url.startswith("sqlite"):
            query = query.with_for_update(of=WebhookDelivery, skip_locked=True)
        for delivery in session.scalars(query):
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            event = session.get(OutboxEvent, delivery.event_id)
            if endpoint is None or event is None:
                delivery.status = "failed"
                delivery.next_attempt_at = None
                report.failed += 1
                continue
            try:
                request = _request(settings, delivery, endpoint, event, now)
            except SecretUnreadableError:
                # BMAD_SECRET_KEY changed or the row is corrupt: this delivery cannot be
                # signed, but it must not stop everyone else's.
                log.error("webhook_secret_unreadable", endpoint_id=endpoint.id)
                delivery.status = "failed"
                delivery.next_attempt_at = None
                report.failed += 1
                continue
            delivery.next_attempt_at = lease_until
            out.append(request)
    return out


def _request(
    settings: Settings,
    delivery: WebhookDelivery,
    endpoint: WebhookEndpoint,
    event: OutboxEvent,
    now: datetime,
) -> Request:
    created = event.created_at or now
    body = json.dumps(
        envelope(event.public_id, event.event_type, event.tenant_id, created, event.payload or {}),
        separators=(",", ":"),
        default=str,
    ).encode()
    secret = decrypt_secret(settings, endpoint.secret_encrypted)
    # The signature's timestamp is the real sending time (receivers check it against their
    # clock); `now` is the scheduler's time, which tests move forward.
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(secret, event.public_id, datetime.now(UTC), body),
    }
    return Request(delivery.id, delivery.tenant_id, endpoint.id, endpoint.url, headers, body)


def _post(settings: Settings, client: httpx.Client, req: Request) -> Outcome:
    start = time.perf_counter()
    try:
        target = pin(settings, req.url)  # checked again (DNS may have changed) and pinned
    except UnsafeUrl as err:
        return Outcome(False, None, f"blocked: {err.code}", 0)
    try:
        response = client.post(
            target.url,
            content=req.body,
            headers={**req.headers, **target.headers},
            extensions=target.extensions,
        )
        code: int | None = response.status_code
        ok = 200 <= response.status_code < 300
        error = "" if ok else f"http {response.status_code}"
    except httpx.TimeoutException:
        code, ok, error = None, False, "timeout"
    except httpx.HTTPError as err:
        code, ok, error = None, False, type(err).__name__
    return Outcome(ok, code, error, int((time.perf_counter() - start) * 1000))


def _record_all(
    settings: Settings,
    results: list[tuple[Request, Outcome]],
    now: datetime,
    report: DeliveryReport,
) -> None:
    with admin_session(settings.database_url) as session:
        for req, outcome in results:
            _record(session, settings, req, outcome, now, report)


def _record(
    session: Session,
    settings: Settings,
    req: Request,
    outcome: Outcome,
    now: datetime,
    report: DeliveryReport,
) -> None:
    delivery = session.get(WebhookDelivery, req.delivery_id)
    endpoint = session.get(WebhookEndpoint, req.endpoint_id)
    if delivery is None or endpoint is None:
        return
    delivery.attempts += 1
    session.add(
        WebhookAttempt(
            tenant_id=req.tenant_id,
            delivery_id=delivery.id,
            endpoint_id=endpoint.id,
            attempt=delivery.attempts,
            status_code=outcome.status_code,
            ok=outcome.ok,
            error=outcome.error[:300],
            duration_ms=outcome.duration_ms,
            created_at=now,
        )
    )
    if outcome.ok:
        delivery.status = "delivered"
        delivery.delivered_at = now
        delivery.next_attempt_at = None
        endpoint.consecutive_failures = 0
        endpoint.failing_since = None
        report.delivered += 1
        WEBHOOK_DELIVERY_ATTEMPTS.labels("delivered").inc()
        return
    endpoint.consecutive_failures += 1
    failing_since = _aware(endpoint.failing_since or now)
    endpoint.failing_since = failing_since
    disable_after = timedelta(seconds=settings.webhook_disable_after)
    if endpoint.enabled and now - failing_since >= disable_after:
        endpoint.enabled = False
        endpoint.disabled_at = now
        log.warning("webhook_endpoint_disabled", endpoint_id=endpoint.id)
    window_start = _aware(delivery.window_started_at or delivery.created_at or now)
    retry_at = next_attempt(
        window_start,
        delivery.attempts,
        now,
        settings.webhook_retry_window,
        settings.webhook_retry_schedule,
        settings.webhook_retry_jitter,
    )
    if retry_at is None or delivery.event_type == TEST_EVENT:
        delivery.status = "failed"
        delivery.next_attempt_at = None
        report.failed += 1
        WEBHOOK_DELIVERY_ATTEMPTS.labels("failed").inc()
    else:
        delivery.next_attempt_at = retry_at
        report.retrying += 1
        WEBHOOK_DELIVERY_ATTEMPTS.labels("retry").inc()


def _aware(value: datetime) -> datetime:
    """SQLite returns naive datetimes; everything we store is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
