"""Constant-time comparison that never raises on attacker-chosen text.

`hmac.compare_digest` raises TypeError for a `str` with non-ASCII characters; a header or
query value is attacker-controlled, so every comparison of secrets goes through here.
"""

from __future__ import annotations

import hmac


def same_secret(expected: str, given: str | None) -> bool:
    if given is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace"))
