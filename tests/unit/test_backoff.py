"""One back-off for every retry loop: capped (no day-long waits after many attempts) and
jittered (retries after an outage do not all fire in the same second)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from agents.workflows.spec import RetryPolicy
from integrations.backoff import call_outlasting, exponential, next_retry, scheduled
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
    waits = {policy.next_delay(2) for _ in range(20)}  # before attempt 3
    assert len(waits) > 1 and all(w is not None and 3.6 <= w <= 4.4 for w in waits)
    last = policy.next_delay(19)
    assert last is not None and last <= 66
    assert policy.next_delay(20) is None  # every attempt used


def test_one_retry_or_give_up_decision_for_steps_and_the_outbox() -> None:
    """Steps and outbox deliveries ask the same question the same way: after n failed
    attempts, how long until the next one - or none is left, or the error is permanent."""
    assert next_retry(1, 3, base=2, cap=60, jitter=0) == 2
    assert next_retry(2, 3, base=2, cap=60, jitter=0) == 4
    assert next_retry(3, 3, base=2, cap=60) is None
    assert next_retry(1, 3, base=2, cap=60, give_up=True) is None
    policy = RetryPolicy(max_attempts=3, backoff_seconds=2, backoff_factor=3)
    assert [policy.next_delay(n, jitter=0) for n in (1, 2, 3)] == [2, 6, None]
    assert policy.next_delay(1, give_up=True) is None
    event = OutboxEvent(tenant_id="t", event_type="email", payload={}, attempts=3)
    assert not retry_or_fail(event, NOW, max_attempts=3, base_delay=30)
    assert event.status == "failed"


def test_outlast_waits_out_a_short_outage_then_gives_the_error_back() -> None:
    """The one "wait out an outage" loop (recording a step's result, posting a Slack
    reply, a Slack job): retried while the time allows, other errors raised at once."""
    calls: list[int] = []

    def flaky() -> str:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("down")
        return "done"

    assert call_outlasting(flaky, (ConnectionError,), within=5, base=0.01) == "done"
    assert len(calls) == 3

    def broken() -> str:
        calls.append(1)
        raise ValueError("a bug, not an outage")

    calls.clear()
    with pytest.raises(ValueError):
        call_outlasting(broken, (ConnectionError,), within=5, base=0.01)
    assert len(calls) == 1

    def down() -> str:
        calls.append(1)
        raise ConnectionError("still down")

    calls.clear()
    with pytest.raises(ConnectionError):
        call_outlasting(down, (ConnectionError,), within=0.2, base=0.01, cap=0.05)
    assert 2 <= len(calls) < 100

    calls.clear()
    with pytest.raises(ConnectionError):  # `when` says this one must not be retried
        call_outlasting(down, (ConnectionError,), within=5, base=0.01, when=lambda e: False)
    assert len(calls) == 1
