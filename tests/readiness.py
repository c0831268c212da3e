"""Poll `/readyz` until it says ready (the intent model loads in the background)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.polling import wait_until


def wait_ready(get: Callable[[str], Any], timeout: float = 120.0) -> Any:
    """`get(path)` -> response; returns the first 200. Until then only the intent model may
    be missing; at the deadline it fails."""

    def ready() -> Any:
        response = get("/readyz")
        if response.status_code == 200:
            return response
        assert response.json()["checks"]["intent_model"]["ok"] is False, response.text
        return None

    return wait_until(ready, timeout, "/readyz to say ready (the intent model)", interval=0.2)
