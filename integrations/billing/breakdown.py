"""Where a period's usage went: per day (the ledger) and per agent (the steps that ran).

For the console's usage page. The ledger is what is billed, so the daily bars add up to the
quota counters; the per-agent table reads the steps' own token and cost figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integrations.billing.period import Period
from integrations.db.models import UsageEntry, WorkflowStep


@dataclass(frozen=True)
class DayUsage:
    day: date
    runs: int
    llm_tokens: int


@dataclass(frozen=True)
class AgentUsage:
    agent: str
    steps: int
    tokens: int
    cost_usd: float


def usage_by_day(session: Session, period: Period, today: date | None = None) -> list[DayUsage]:
    """Every day of the period up to today (days without use are zeros, so the chart is
    a calendar, not a list of busy days)."""
    totals: dict[tuple[date, str], int] = {}
    rows = session.execute(
        select(UsageEntry.created_at, UsageEntry.metric, UsageEntry.quantity).where(
            UsageEntry.period == period.name
        )
    )
    for created, metric, quantity in rows:
        day = _utc(created).date()
        totals[(day, metric)] = totals.get((day, metric), 0) + quantity
    last = min(today or datetime.now(UTC).date(), (period.end - timedelta(days=1)).date())
    days = [
        period.start.date() + timedelta(days=n)
        for n in range((last - period.start.date()).days + 1)
    ]
    return [DayUsage(d, totals.get((d, "runs"), 0), totals.get((d, "llm_tokens"), 0)) for d in days]


def usage_by_agent(session: Session, period: Period) -> list[AgentUsage]:
    """Agent steps that finished in the period, busiest first."""
    rows = session.execute(
        select(
            WorkflowStep.agent,
            func.count(),
            func.coalesce(func.sum(WorkflowStep.tokens), 0),
            func.coalesce(func.sum(WorkflowStep.cost_usd), 0.0),
        )
        .where(
            WorkflowStep.agent.is_not(None),
            WorkflowStep.finished_at >= period.start,
            WorkflowStep.finished_at < period.end,
        )
        .group_by(WorkflowStep.agent)
    )
    found = [AgentUsage(str(a), int(n), int(t), float(c)) for a, n, t, c in rows]
    return sorted(found, key=lambda u: (-u.tokens, -u.steps, u.agent))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
