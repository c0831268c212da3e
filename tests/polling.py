"""Wait for an observable effect, never for a fixed time.

A test that sleeps and then asserts is slow when the effect is quick and flaky when the
machine is busy. Poll the effect itself (a reply recorded, a row, an event, a metric) until
a deadline instead. A test that must show that something did NOT happen waits for a later,
positive effect that proves the work in question is done (a marker processed after it, a
counter), then asserts.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.05) -> T:
    """Call `check` until it returns something truthy and return that; at the deadline
    fail with `what` (and the last value seen)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s: {what} (last: {found!r})")
        time.sleep(interval)
