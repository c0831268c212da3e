"""Offline test plan: cases from the acceptance criteria and edge cases in the request.

Criteria are Given/When/Then blocks (the story step writes them so), the request's bullet
lines and must/should sentences; each number with a unit becomes a boundary case (at, just
under, just over the limit); each role a permission case; each failure word a negative
case. The wording of the cases is in the template.
"""

from __future__ import annotations

import re
from typing import Any

from agents.analysis.text_facts import (
    BULLET,
    error_statements,
    numbers,
    prose,
    roles,
    statements,
    words_in,
)
from agents.analysis.words import both

GWT = re.compile(
    r"\b(?:given|gegeven)\s+(?P<given>.+?)[,;]?\s+(?:when|wanneer|als)\s+(?P<when>.+?)[,;]?\s+"
    r"(?:then|dan)\s+(?P<then>.+?)\s*$",
    re.IGNORECASE,
)
ITEM = re.compile(r"^\s*\d+[.)]\s+")
MAX_CRITERIA = 12


def plan(text: str, subject: str) -> dict[str, Any]:
    criteria = _given_when_then(text)
    seen = {c["text"] for c in criteria}
    modal = both("words", "requirement_words")
    rest = _without_given_when_then(text)
    bullets = _bullets(rest)
    for statement in statements(rest):
        if statement in seen or statement.endswith("?") or GWT.search(statement):
            continue
        if words_in(statement, modal) or statement in bullets:
            criteria.append({"text": statement, "given": "", "when": "", "then": ""})
            seen.add(statement)
    if not criteria and subject:
        criteria = [{"text": subject, "given": "", "when": "", "then": ""}]
    return {
        "criteria": criteria[:MAX_CRITERIA],
        "limits": numbers(text),
        "roles": roles(text),
        "errors": [e for e in error_statements(text) if not e["statement"].endswith("?")],
    }


def _given_when_then(text: str) -> list[dict[str, str]]:
    """Given/When/Then criteria, on one line or spread over a numbered item's lines."""
    blocks: list[str] = []
    for line in prose(text).splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        starts = ITEM.match(line) or re.match(r"(?i)(given|gegeven)\b", stripped)
        continues = re.match(r"(?i)(when|wanneer|als|then|dan|and|en)\b", stripped)
        if starts or not blocks or not continues:
            blocks.append(ITEM.sub("", stripped))
        else:
            blocks[-1] = f"{blocks[-1]} {stripped}"
    out = []
    for block in blocks:
        match = GWT.search(block)
        if match:
            out.append({"text": block, **{k: v.strip(" .") for k, v in match.groupdict().items()}})
    return out


def _without_given_when_then(text: str) -> str:
    keyword = re.compile(r"(?i)^\s*(?:\d+[.)]\s+)?(given|gegeven|when|wanneer|then|dan)\b")
    return "\n".join(line for line in prose(text).splitlines() if not keyword.match(line))


def _bullets(text: str) -> list[str]:
    return [m.group(1).strip() for m in map(BULLET.match, prose(text).splitlines()) if m]
