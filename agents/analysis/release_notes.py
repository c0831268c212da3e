"""Offline release notes: the given changes grouped as Keep a Changelog does.

Conventional-commit prefixes decide first (feat -> Added, fix -> Fixed), then the first
word (EN/NL lists in prompts/analysis/words.<lang>.yaml); anything else is Changed.
"""

from __future__ import annotations

import re
from typing import Any

from agents.analysis.text_facts import BULLET, prose
from agents.analysis.words import both

GROUPS = ("added", "changed", "fixed", "removed")
CONVENTIONAL = re.compile(r"^(?P<type>\w+)(?:\([^)]*\))?(?P<bang>!)?:\s*(?P<rest>.+)$")
TYPE_GROUP = {"feat": "added", "fix": "fixed", "revert": "removed", "perf": "changed"}
_TAG = r"v?\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?"
RANGES = (
    re.compile(rf"\b({_TAG})\s*(?:\.\.\.?|->|→)\s*({_TAG})"),
    re.compile(rf"\b(?:from|since|van|sinds)\s+({_TAG})\s+(?:to|until|tot|naar)\s+({_TAG})", re.I),
)
VERSION = re.compile(r"\bv?\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?\b")


def changes_from(text: str) -> list[str]:
    """One change per bullet line, else per line, else per clause of a one-line list."""
    lines = [line for line in prose(text).splitlines() if line.strip()]
    bullets = [m.group(1).strip() for m in map(BULLET.match, lines) if m]
    if bullets:
        return bullets
    if len(lines) > 1:
        return [line.strip() for line in lines[1:] if line.strip()]
    line = lines[0] if lines else ""
    head, *tail = re.split(r":|\s[-\u2013\u2014]\s", line, maxsplit=1)
    if tail and _asks_for_notes(head):  # "release notes for v2.4: fixed X, added Y"
        line = tail[0]
    parts = re.split(r"\s*(?:;|,|\band\b|\ben\b)\s*", line)
    return [p.strip(" .:") for p in parts if len(p.split()) >= 2 and not _asks_for_notes(p)]


def _asks_for_notes(clause: str) -> bool:
    """The request itself ("write release notes for v2.4 with these changes"), not a change."""
    low = clause.lower()
    return any(word in low for word in both("words", "release_request"))


def group(changes: list[str], version: str, text: str = "") -> dict[str, Any]:
    grouped: dict[str, list[str]] = {g: [] for g in GROUPS}
    breaking: list[str] = []
    words = {g: both("words", f"release_{g}") for g in GROUPS if g != "changed"}
    for change in changes:
        kind, entry = _classify(change, words)
        if entry.lower().startswith("breaking") or (
            CONVENTIONAL.match(change) and "!" in change.split(":")[0]
        ):
            breaking.append(entry)
        grouped[kind].append(entry)
    version = version_in(text, version)
    return {"version": version, "groups": grouped, "breaking": breaking, "count": len(changes)}


def version_in(text: str, slot: str = "") -> str:
    """The release's version: the end of a range ("v1.3.2...v1.4.0"), else the first
    version in the text; the slot when the text has none or it is a full match."""
    text = text or ""
    ranged = next((m for m in (r.search(text) for r in RANGES) if m), None)
    tags = [ranged.group(2)] if ranged else VERSION.findall(text)[:1]
    if slot and (not tags or slot == tags[0] or not tags[0].startswith(slot)):
        return slot
    return tags[0] if tags else ""


def _classify(change: str, words: dict[str, list[str]]) -> tuple[str, str]:
    conventional = CONVENTIONAL.match(change)
    if conventional and conventional.group("type").lower() in {
        "feat", "fix", "revert", "perf", "refactor", "chore", "docs", "build", "ci", "style", "test"
    }:  # fmt: skip
        kind = TYPE_GROUP.get(conventional.group("type").lower(), "changed")
        return kind, conventional.group("rest").strip()
    low = change.lower()
    for kind in ("fixed", "removed", "added"):
        if any(re.search(rf"(?<!\w){re.escape(w)}", low) for w in words[kind]):
            return kind, change.strip()
    return "changed", change.strip()
