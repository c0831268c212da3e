import random
from datetime import UTC, datetime, timedelta

from integrations.webhooks_out.backoff import DEFAULT_SCHEDULE, delay_after, next_attempt

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = 24 * 3600


def test_documented_schedule_then_hourly() -> None:
    delays = [delay_after(n).total_seconds() for n in range(1, 10)]
    assert delays == [5, 30, 120, 600, 1800, 3600, 3600, 3600, 3600]


def test_jitter_spreads_but_stays_near_the_schedule() -> None:
    rng = random.Random(7)
    seen = {delay_after(2, DEFAULT_SCHEDULE, 0.1, rng).total_seconds() for _ in range(50)}
    assert len(seen) > 40  # not everyone retries in the same second
    assert all(27 <= s <= 33 for s in seen)


def test_stops_at_the_retry_window() -> None:
    now, attempts, tries = T0, 0, []
    while True:
        attempts += 1
        when = next_attempt(T0, attempts, now, DAY)
        if when is None:
            break
        tries.append(when)
        now = when
    assert tries[-1] - T0 <= timedelta(seconds=DAY)
    assert now + delay_after(attempts) - T0 > timedelta(seconds=DAY)
    assert 25 < len(tries) < 30  # six fast retries, then about a day of hourly ones
