"""The points a user listed in their request: stand-up notes, sprint items, retro notes.

Why: these tasks have no deterministic tool to run; what an honest offline draft can do is
lay out exactly what was given (one point per line or bullet), instead of reporting the
notes missing because no slot named `notes` was filled.
"""

from __future__ import annotations

import re

_BULLET = re.compile(r"^\s*(?:[-*\u2022]|\d+[.)])\s+")
MAX_POINTS = 30


def given_points(request_text: str, slot: str = "") -> list[str]:
    """The request's lines after its first (the request itself), bullets stripped; a
    one-line request gives what follows its first colon, split at semicolons."""
    lines = [line.strip() for line in request_text.splitlines() if line.strip()]
    if len(lines) > 1:
        points = lines[1:]
    elif slot:
        points = [slot]
    elif lines and ":" in lines[0]:
        points = lines[0].split(":", 1)[1].split(";")
    else:
        points = []
    cleaned = [_BULLET.sub("", p).strip() for p in points]
    return [p for p in cleaned if p][:MAX_POINTS]
