"""`usage_summary`: plan, period, used and left, next invoice - one answer for every channel
(the `usage_report` intent, `/bmad usage`, `GET /api/v1/usage`)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from integrations.billing import counters
from integrations.billing.accounts import get_account, in_grace, run_block_reason
from integrations.billing.period import current_period
from integrations.billing.plans import Metric, get_plan
from integrations.billing.texts import render_text
from integrations.db.models import Tenant
from integrations.db.session import tenant_session
from integrations.settings import Settings


class MetricUsage(BaseModel):
    used: int
    limit: int | None  # None = unlimited
    left: int | None


class UsageSummary(BaseModel):
    tenant_id: str
    plan: str
    period: str
    period_start: datetime
    period_end: datetime
    runs: MetricUsage
    llm_tokens: MetricUsage
    subscription_status: str
    next_invoice_date: date | None
    grace_until: datetime | None
    runs_blocked: bool
    # Why: an unpaid invoice past its grace (billing to sort out) or a quota used up.
    payment_blocked: bool = False


def _metric(settings: Settings, tenant_id: str, metric: Metric, limit: int | None) -> MetricUsage:
    used = counters.current(settings, tenant_id, metric, current_period())
    return MetricUsage(used=used, limit=limit, left=None if limit is None else max(0, limit - used))


def usage_summary(settings: Settings, tenant_id: str) -> UsageSummary:
    period = current_period()
    with tenant_session(settings.database_url, tenant_id) as session:
        tenant = session.get(Tenant, tenant_id)
        plan = get_plan(tenant.plan if tenant else None)
        account = get_account(session)
        status = account.subscription_status if account else "none"
        period_end = account.current_period_end if account else None
        grace = account.grace_until if in_grace(account) and account else None
        blocked = run_block_reason(account) is not None
    runs = _metric(settings, tenant_id, "runs", plan.limit("runs"))
    tokens = _metric(settings, tenant_id, "llm_tokens", plan.limit("llm_tokens"))
    return UsageSummary(
        tenant_id=tenant_id,
        plan=plan.name,
        period=period.name,
        period_start=period.start,
        period_end=period.end,
        runs=runs,
        llm_tokens=tokens,
        subscription_status=status,
        next_invoice_date=period_end.date() if period_end and status != "canceled" else None,
        grace_until=grace,
        runs_blocked=blocked or (runs.left == 0) or (tokens.left == 0),
        payment_blocked=blocked,
    )


def render_usage(summary: UsageSummary, lang: str = "en") -> str:
    """The usage reply in `lang` (words from prompts/billing/<lang>/usage.md)."""
    return render_text(
        "usage",
        lang,
        plan=summary.plan,
        subscription_status=summary.subscription_status,
        period=summary.period,
        period_end=summary.period_end.date().isoformat(),
        runs_used=summary.runs.used,
        runs_left=summary.runs.left,
        runs_limit=summary.runs.limit,
        tokens_used=summary.llm_tokens.used,
        tokens_left=summary.llm_tokens.left,
        tokens_limit=summary.llm_tokens.limit,
        next_invoice_date=summary.next_invoice_date.isoformat()
        if summary.next_invoice_date
        else None,
        grace_until=summary.grace_until.strftime("%Y-%m-%d %H:%M UTC")
        if summary.grace_until
        else None,
        runs_blocked=summary.runs_blocked,
        payment_blocked=summary.payment_blocked,
    )
