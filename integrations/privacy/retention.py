"""Retention purge (beat job): runs and their stored messages older than the tenant's
retention period are deleted. Conversation documents in Redis expire by their own sliding
TTL (days), well inside every plan's retention; the audit log is kept (append-only).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import delete, select

from integrations.billing.plans import get_plan
from integrations.db.events import record_audit
from integrations.db.models import (
    BillingAccount,
    OutboxEvent,
    Tenant,
    WebhookDelivery,
    WorkflowRun,
)
from integrations.db.session import admin_session, rowcount, tenant_session
from integrations.settings import Settings

# Outbox states nothing will act on again. `dispatched` (a webhook event fanned out into
# deliveries) is finished only once none of its deliveries is still pending: deleting the
# event would cascade to them, and a held delivery must survive until it is sent.
DONE_OUTBOX_STATES = ("sent", "failed", "suppressed", "delivered", "dead", "dispatched")


class PurgeReport(BaseModel):
    tenants: int = 0
    runs_deleted: int = 0
    outbox_deleted: int = 0


def retention_days(tenant: Tenant, account: BillingAccount | None) -> int:
    """The tenant's own setting when it has one, else its plan's."""
    if account is not None and account.retention_days:
        return account.retention_days
    return get_plan(tenant.plan).retention_days


def purge_expired(settings: Settings, now: datetime | None = None) -> PurgeReport:
    now = now or datetime.now(UTC)
    report = PurgeReport()
    with admin_session(settings.database_url) as session:
        tenants = list(session.scalars(select(Tenant)))
        accounts = {a.tenant_id: a for a in session.scalars(select(BillingAccount))}
        policy = {t.id: retention_days(t, accounts.get(t.id)) for t in tenants}
    for tenant_id, days in policy.items():
        cutoff = now - timedelta(days=days)
        with tenant_session(settings.database_url, tenant_id) as session:
            runs = rowcount(
                session.execute(
                    delete(WorkflowRun)
                    .where(WorkflowRun.created_at < cutoff)
                    .execution_options(synchronize_session=False)
                )
            )
            pending = select(WebhookDelivery.id).where(
                WebhookDelivery.event_id == OutboxEvent.id, WebhookDelivery.status == "pending"
            )
            outbox = rowcount(
                session.execute(
                    delete(OutboxEvent)
                    .where(
                        OutboxEvent.created_at < cutoff,
                        OutboxEvent.status.in_(DONE_OUTBOX_STATES),
                        ~pending.exists(),
                    )
                    .execution_options(synchronize_session=False)
                )
            )
            if runs or outbox:
                record_audit(
                    session,
                    tenant_id,
                    actor="system",
                    action="privacy.retention_purge",
                    target=tenant_id,
                    details={"runs": runs, "outbox_events": outbox, "retention_days": days},
                    source="beat",
                )
        report.tenants += 1
        report.runs_deleted += runs or 0
        report.outbox_deleted += outbox or 0
    return report
