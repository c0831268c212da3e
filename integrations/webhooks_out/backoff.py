"""When to try a failed delivery again.

Exponential (30 s, 1 min, 2 min, ... capped at 1 h between attempts) and bounded by the
retry window (`BMAD_WEBHOOK_RETRY_WINDOW`, 24 h by default) measured from the delivery's
creation: a receiver that is down for a day is given up on, not retried forever.
"""

from __future__ import annotations

from datetime import datetime, timedelta

BASE_SECONDS = 30
CAP_SECONDS = 3600


def delay_after(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed attempt (1-based)."""
    return timedelta(seconds=min(BASE_SECONDS * 2 ** max(attempts - 1, 0), CAP_SECONDS))


def next_attempt(
    created_at: datetime, attempts: int, now: datetime, window_seconds: int
) -> datetime | None:
    """The next attempt's time, or None when it would fall outside the retry window."""
    when = now + delay_after(attempts)
    if when - created_at > timedelta(seconds=window_seconds):
        return None
    return when
