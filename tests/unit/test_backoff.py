"""One back-off for every retry loop: capped (no day-long waits after many attempts) and
jittered (retries after an outage do not all fire in the same second)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from agents.workflows.spec import RetryPolicy
from integrations.backoff import exponential, scheduled
from integrations.db.models import OutboxEvent
from integrations.db.outbox import retry_or_fail

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def test_exponential_doubles_up_to_the_cap() -> None:
    delays = [exponential(n, base=30, cap=3600, jitter=0) for n in range(1, 12)]
    assert delays[:4] == [30, 60, 120, 240]
    assert max(delays) == 3600 and delays[-1] == 3600
    assert exponential(10_000, base=30, cap=3600, jitter=0) == 3600  # no float overflow


def test_jitter_spreads_retries_around_the_delay() -> None:
    rng = random.Random(3)
    seen = {exponential(2, base=30, cap=3600, jitter=0.1, rng=rng) for _ in range(50)}
    assert len(seen) > 40 and all(54 <= s <= 66 for s in seen)
    assert scheduled(9, [5, 30, 3600], jitter=0) == 3600  # the last value repeats


def test_outbox_retries_are_capped_and_jittered() -> None:
    waits = set()
    for _ in range(20):
        event = OutboxEvent(tenant_id="t", event_type="email", payload={}, attempts=30)
        assert retry_or_fail(event, NOW, max_attempts=100, base_delay=30)
        assert event.next_attempt_at is not None
        waits.add(event.next_attempt_at - NOW)
    assert max(waits) <= timedelta(hours=1, minutes=6)  # before: 30 s * 2**29 (17 years)
    assert len(waits) > 1


def test_step_retries_are_capped_and_jittered() -> None:
    policy = RetryPolicy(max_attempts=20, backoff_seconds=2, max_backoff_seconds=60)
    assert policy.delay_before(1) == 0.0
    waits = {policy.delay_before(3) for _ in range(20)}
    assert len(waits) > 1 and all(3.6 <= w <= 4.4 for w in waits)
    assert policy.delay_before(20) <= 66
