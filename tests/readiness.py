"""Poll `/readyz` until it says ready (the intent model loads in the background)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def wait_ready(get: Callable[[str], Any], timeout: float = 120.0) -> Any:
    """`get(path)` -> response; returns the first 200, or the last answer at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        response = get("/readyz")
        if response.status_code == 200 or time.monotonic() > deadline:
            return response
        assert response.json()["checks"]["intent_model"]["ok"] is False, response.text
        time.sleep(0.2)
