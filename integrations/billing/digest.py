"""The weekly digest: runs, approvals and usage per tenant, emailed to its admins.

Once per tenant per ISO week (a Redis `SET NX` on the week), so a beat job that runs twice
(two beat processes, a retry) does not email twice.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from integrations.billing.usage import usage_summary
from integrations.db.models import Tenant, UsageEntry, WorkflowRun, WorkflowStep
from integrations.db.session import admin_session, tenant_session
from integrations.email.outbox import queue_admin_emails
from integrations.redis_store import get_redis, key
from integrations.settings import Settings


def queue_weekly_digests(settings: Settings, now: datetime | None = None) -> int:
    """Queue the digest for every tenant not yet done this week; returns emails queued."""
    now = now or datetime.now(UTC)
    year, week, _ = now.isocalendar()
    with admin_session(settings.database_url) as session:
        tenants = [(t.id, t.name) for t in session.scalars(select(Tenant))]
    queued = 0
    for tenant_id, name in tenants:
        guard = key(tenant_id, "digest", f"{year}-W{week:02d}")
        if not get_redis(settings.redis_url).set(guard, 1, nx=True, ex=14 * 86400):
            continue
        queued += _queue_digest(settings, tenant_id, name, now)
    return queued


def _queue_digest(settings: Settings, tenant_id: str, name: str, now: datetime) -> int:
    since = now - timedelta(days=7)
    summary = usage_summary(settings, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        runs = session.scalar(
            select(func.count()).select_from(WorkflowRun).where(WorkflowRun.created_at >= since)
        )
        approvals = session.scalar(
            select(func.count()).select_from(WorkflowStep).where(WorkflowStep.decided_at >= since)
        )
        tokens = session.scalar(
            select(func.coalesce(func.sum(UsageEntry.quantity), 0)).where(
                UsageEntry.metric == "llm_tokens", UsageEntry.created_at >= since
            )
        )
        events = queue_admin_emails(
            session,
            tenant_id,
            "weekly_digest",
            {
                "tenant_name": name,
                "week_start": since.date().isoformat(),
                "week_end": now.date().isoformat(),
                "runs": int(runs or 0),
                "approvals": int(approvals or 0),
                "tokens": int(tokens or 0),
                "period": summary.period,
                "plan": summary.plan,
                "runs_used": summary.runs.used,
                "runs_limit": summary.runs.limit,
                "tokens_used": summary.llm_tokens.used,
                "tokens_limit": summary.llm_tokens.limit,
            },
        )
    return len(events)
