"""Offline ADR: the requirements in the request (load, data, integrations, constraints) and
the options the user named, laid out as an architecture decision record to decide on.

Why no decision: choosing needs judgement the offline path does not have; it structures
what was given so the team (or the model, when configured) decides against named criteria.
"""

from __future__ import annotations

import re
from typing import Any

from agents.analysis.text_facts import numbers, prose, statements, words_in
from agents.analysis.words import both

OPTION_PATTERNS = (
    re.compile(r"(?:options?|opties?|alternatives?|keuze)\s*:\s*(?P<list>[^.\n]+)", re.I),
    re.compile(r"(?:between|tussen)\s+(?P<list>[^.\n]+?\s+(?:and|en)\s+[^.,\n]+)", re.I),
    re.compile(
        r"(?:use|using|choose|pick|kiezen tussen)\s+(?P<list>[\w +-]+?\s+"
        r"(?:or|of|vs\.?|versus)\s+[\w+-]+(?:\s+[A-Z][\w+-]+)?)",
        re.I,
    ),
    re.compile(
        r"(?P<list>\b[A-Z][\w+-]*(?:\s+[A-Z][\w+-]*)?\s+(?:or|of|vs\.?|versus)\s+"
        r"[A-Z][\w+-]*(?:\s+[A-Z][\w+-]*)?)"
    ),
)
SPLIT = re.compile(r"\s*(?:,|/|\bor\b|\bof\b|\bvs\.?|\bversus\b|\band\b|\ben\b)\s*", re.I)


def structure(text: str, subject: str) -> dict[str, Any]:
    found = statements(text)
    groups: dict[str, list[str]] = {}
    for kind in ("load", "data", "integrations", "constraints"):
        words = both("words", f"adr_{kind}")
        groups[kind] = [s for s in found if words_in(s, words)]
    loads = [n for n in numbers(text) if n["unit"]]
    return {
        "context": found[:3] or ([subject] if subject else []),
        "requirements": groups,
        "figures": loads,
        "options": options(text),
    }


def options(text: str) -> list[str]:
    found = statements(text, 40) or [prose(text)]
    for pattern in OPTION_PATTERNS:
        for statement in found:
            match = pattern.search(statement)
            if not match:
                continue
            parts = [p.strip(" .?!:") for p in SPLIT.split(match.group("list"))]
            named = [p for p in parts if p and len(p) <= 60]
            if len(named) >= 2:
                return list(dict.fromkeys(named))[:6]
    return []
