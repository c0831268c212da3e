from datetime import UTC, datetime, timedelta

from integrations.webhooks_out.backoff import delay_after, next_attempt

T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = 24 * 3600


def test_exponential_then_capped() -> None:
    delays = [delay_after(n).total_seconds() for n in range(1, 10)]
    assert delays[:5] == [30, 60, 120, 240, 480]
    assert max(delays) == 3600
    assert delays == sorted(delays)


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
    assert 20 < len(tries) < 40  # about a day of hourly retries after the fast ones
