"""Retry delays and the retry-or-fail decision: the one back-off every retry loop uses
(workflow steps, outbox events such as emails and admin DMs, outbound webhook deliveries).

Capped, because doubling without a limit waits years after a few dozen attempts; jittered,
because after an outage every queued retry would otherwise fire in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_before_delay,
    wait_exponential_jitter,
)

from integrations.observability.logging import get_logger

log = get_logger(__name__)
T = TypeVar("T")

DEFAULT_JITTER = 0.1  # +/-10 %
_MAX_DOUBLINGS = 64  # beyond this every cap is reached; keeps factor ** n finite


def jittered(seconds: float, jitter: float, rng: random.Random | None = None) -> float:
    """`seconds` moved by a random fraction in [-jitter, +jitter], never below zero."""
    spread = (rng or random).uniform(-jitter, jitter) if jitter else 0.0
    return max(seconds * (1.0 + spread), 0.0)


def exponential(
    retry: int,
    *,
    base: float,
    cap: float,
    factor: float = 2.0,
    jitter: float = DEFAULT_JITTER,
    rng: random.Random | None = None,
) -> float:
    """Seconds before the `retry`-th retry (1 = the first): base * factor ** (retry - 1), at
    most `cap`, then jittered."""
    if retry < 1:
        return 0.0
    raw = base * factor ** min(retry - 1, _MAX_DOUBLINGS)
    return jittered(min(raw, cap), jitter, rng)


def next_retry(
    attempts_made: int,
    max_attempts: int,
    *,
    base: float,
    cap: float,
    factor: float = 2.0,
    give_up: bool = False,
    jitter: float = DEFAULT_JITTER,
    rng: random.Random | None = None,
) -> float | None:
    """After `attempts_made` failed attempts: seconds until the next one, or None when the
    caller should fail instead - `max_attempts` are used up, or retrying cannot help
    (`give_up`: a permanent error). The one retry-or-fail decision of workflow steps and
    outbox deliveries; what "fail" means (compensate, mark the event) stays theirs."""
    if give_up or attempts_made >= max_attempts:
        return None
    return exponential(attempts_made, base=base, cap=cap, factor=factor, jitter=jitter, rng=rng)


def scheduled(
    retry: int,
    schedule: Sequence[float],
    *,
    jitter: float = DEFAULT_JITTER,
    rng: random.Random | None = None,
) -> float:
    """Seconds before the `retry`-th retry from an explicit schedule whose last value
    repeats (outbound webhooks: 5 s, 30 s, 2 min ... then hourly), jittered."""
    base = schedule[min(max(retry, 1), len(schedule)) - 1]
    return jittered(base, jitter, rng)


def call_outlasting(
    call: Callable[[], T],
    errors: tuple[type[BaseException], ...],
    *,
    within: float,
    base: float = 0.5,
    cap: float = 5.0,
    when: Callable[[BaseException], bool] | None = None,
    event: str = "outage_retry",
) -> T:
    """`call()`, retried through a short outage: an error of `errors` (and, if given, for
    which `when` holds) is retried with capped, jittered back-off as long as the next try
    starts within `within` seconds; then that error is raised. Other errors raise at once.

    For work that is done and must not be lost to a restart of Redis or the database
    (a step's result, a Slack reply, a Slack job before it acted); tenacity does the loop.
    """

    def retryable(err: BaseException) -> bool:
        return isinstance(err, errors) and (when is None or when(err))

    def logged(state: RetryCallState) -> None:
        failed = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(event, error=type(failed).__name__, in_seconds=round(wait, 2))

    retrying = Retrying(
        retry=retry_if_exception(retryable),
        stop=stop_before_delay(within),
        wait=wait_exponential_jitter(initial=base, max=cap, jitter=base / 2),
        before_sleep=logged,
        reraise=True,
    )
    return retrying(call)
