"""Report ledger usage to Stripe as billing meter events (beat job).

Each ledger entry becomes one meter event whose `identifier` is derived from the entry
(tenant, metric, ref) and is also sent as the request's idempotency key. A report that is
retried - after a timeout, a crash before `reported_at` was saved, a second worker - reuses
the identifier, and Stripe counts it once (a duplicate is answered with
`resource_already_exists`, which we treat as "already reported").
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import cast

import stripe
from pydantic import BaseModel
from sqlalchemy import or_, select

from integrations.billing import ledger
from integrations.billing.stripe_client import stripe_client
from integrations.db.models import BillingAccount, UsageEntry
from integrations.db.session import admin_session
from integrations.observability.logging import get_logger
from integrations.observability.metrics import METER_EVENTS
from integrations.settings import Settings

log = get_logger(__name__)
REPORTABLE_STATES = ("active", "trialing", "past_due")
MAX_AGE = timedelta(days=35)  # Stripe refuses meter events older than 35 days


class MeterReport(BaseModel):
    reported: int = 0
    duplicates: int = 0
    failed: int = 0


def meter_identifier(tenant_id: str, metric: str, ref: str) -> str:
    digest = hashlib.sha256(f"{tenant_id}|{metric}|{ref}".encode()).hexdigest()
    return f"bmad_{digest[:48]}"


def report_usage(settings: Settings, limit: int = 500) -> MeterReport:
    report = MeterReport()
    if settings.stripe_api_key is None:
        return report
    client = stripe_client(settings)
    since = datetime.now(UTC) - MAX_AGE
    with admin_session(settings.database_url) as session:
        query = (
            select(UsageEntry, BillingAccount.stripe_customer_id)
            .join(BillingAccount, BillingAccount.tenant_id == UsageEntry.tenant_id)
            .where(
                UsageEntry.reported_at.is_(None),
                UsageEntry.created_at >= since,
                BillingAccount.stripe_customer_id.is_not(None),
                BillingAccount.subscription_status.in_(REPORTABLE_STATES),
                # usage from before the subscription (the free plan's runs) is not billed
                or_(
                    BillingAccount.subscribed_at.is_(None),
                    UsageEntry.created_at >= BillingAccount.subscribed_at,
                ),
            )
            .order_by(UsageEntry.id)
            .limit(limit)
        )
        if not settings.database_url.startswith("sqlite"):
            query = query.with_for_update(skip_locked=True, of=UsageEntry)
        for entry, customer in session.execute(query):
            # the query keeps accounts with a Stripe customer only
            _report_one(settings, client, entry, cast(str, customer), report)
    return report


def _report_one(
    settings: Settings,
    client: stripe.StripeClient,
    entry: UsageEntry,
    customer: str,
    report: MeterReport,
) -> None:
    event_name = settings.stripe_meter_events.get(entry.metric)
    if not event_name:
        return
    identifier = meter_identifier(entry.tenant_id, entry.metric, entry.ref)
    created = entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=UTC)
    try:
        client.v1.billing.meter_events.create(
            params={
                "event_name": event_name,
                "identifier": identifier,
                "timestamp": int(created.timestamp()),
                "payload": {"stripe_customer_id": customer, "value": str(entry.quantity)},
            },
            options={"idempotency_key": identifier},
        )
    except stripe.InvalidRequestError as err:
        if err.code != "resource_already_exists":
            report.failed += 1
            METER_EVENTS.labels("failed").inc()
            log.warning("meter_event_refused", tenant_id=entry.tenant_id, code=err.code)
            return
        report.duplicates += 1
        METER_EVENTS.labels("duplicate").inc()
    except stripe.StripeError as err:
        report.failed += 1
        METER_EVENTS.labels("failed").inc()
        log.warning("meter_event_failed", tenant_id=entry.tenant_id, error=type(err).__name__)
        return
    else:
        report.reported += 1
        METER_EVENTS.labels("reported").inc()
    ledger.mark_reported(entry)
