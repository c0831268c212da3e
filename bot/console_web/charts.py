"""Bar charts as plain geometry for an inline SVG: no chart library, no script, so the
console's CSP (no scripts, no inline styles) holds and the numbers are server-side truth."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT, GAP = 620, 120, 2


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    width: int
    height: int
    label: str  # the tooltip (<title>): what the bar counts
    value: int


def bars(labels: Sequence[str], values: Sequence[int], slots: int = 0) -> list[Bar]:
    """One bar per value, scaled to the tallest; a zero gets no height, not a sliver.
    `slots` (at least the number of values) fixes the bar width, so the first day of a
    month is one narrow bar of a month-wide chart, not a block across it."""
    if not values:
        return []
    top = max(max(values), 1)
    width = max(WIDTH // max(slots, len(values)) - GAP, 1)
    out = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = round(HEIGHT * value / top)
        out.append(Bar(i * (width + GAP), HEIGHT - height, width, height, label, value))
    return out
