"""Retry delays: the one back-off every retry loop uses (workflow steps, outbox events such
as emails and admin DMs, outbound webhook deliveries).

Capped, because doubling without a limit waits years after a few dozen attempts; jittered,
because after an outage every queued retry would otherwise fire in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

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
