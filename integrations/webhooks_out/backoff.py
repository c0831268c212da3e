"""When to try a failed delivery again.

Each delivery (one event for one endpoint) keeps its own schedule: 5 s, 30 s, 2 min,
10 min, 30 min, 1 h, then hourly (`BMAD_WEBHOOK_RETRY_SCHEDULE`, the last value repeats),
each with random jitter (`BMAD_WEBHOOK_RETRY_JITTER`) so a receiver coming back is not hit
by every queued event in the same second. Bounded by the retry window
(`BMAD_WEBHOOK_RETRY_WINDOW`, 24 h) measured from when the delivery's current window began
(creation, re-enable or replay): a receiver down for a day is given up on, not retried forever.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from integrations.backoff import scheduled

DEFAULT_SCHEDULE = (5.0, 30.0, 120.0, 600.0, 1800.0, 3600.0)


def delay_after(
    attempts: int,
    schedule: Sequence[float] = DEFAULT_SCHEDULE,
    jitter: float = 0.0,
    rng: random.Random | None = None,
) -> timedelta:
    """Wait after the `attempts`-th failed attempt (1-based), jitter included."""
    return timedelta(seconds=scheduled(attempts, schedule, jitter=jitter, rng=rng))


def next_attempt(
    window_start: datetime,
    attempts: int,
    now: datetime,
    window_seconds: int,
    schedule: Sequence[float] = DEFAULT_SCHEDULE,
    jitter: float = 0.0,
) -> datetime | None:
    """The next attempt's time, or None when it would fall outside the retry window."""
    when = now + delay_after(attempts, schedule, jitter)
    if when - window_start > timedelta(seconds=window_seconds):
        return None
    return when
