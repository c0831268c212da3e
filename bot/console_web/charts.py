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


def bars(labels: Sequence[str], values: Sequence[int]) -> list[Bar]:
    """One bar per value, scaled to the tallest; a zero gets no height, not a sliver."""
    if not values:
        return []
    top = max(max(values), 1)
    width = max(WIDTH // len(values) - GAP, 1)
    out = []
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = round(HEIGHT * value / top)
        out.append(Bar(i * (width + GAP), HEIGHT - height, width, height, label, value))
    return out
