"""Billing periods: calendar months in UTC, named `YYYY-MM`.

Why calendar months: quotas reset for every tenant at the same, predictable moment, and
the period name is a stable key for Redis counters, the ledger and once-per-period alerts.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel


class Period(BaseModel):
    name: str
    start: datetime
    end: datetime  # exclusive: the start of the next period

    @property
    def seconds_left(self) -> int:
        return max(1, int((self.end - datetime.now(UTC)).total_seconds()))


def period_of(moment: datetime | None = None) -> Period:
    now = (moment or datetime.now(UTC)).astimezone(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    return Period(name=f"{now.year:04d}-{now.month:02d}", start=start, end=end)


def current_period() -> Period:
    return period_of()
