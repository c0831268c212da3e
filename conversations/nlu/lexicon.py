"""Loads `lexicon.yaml`: word lists for language detection and slot extraction."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    raw = resources.files("conversations.nlu").joinpath("lexicon.yaml").read_text("utf-8")
    return yaml.safe_load(raw)


def alternation(*path: str) -> str:
    """The phrases at `path` as a regex alternation, longest first (so "ik wil graag" wins
    over "ik wil"); an underscore in a phrase stands for any whitespace."""
    phrases = sorted(words(*path), key=lambda p: (-len(p), p))
    return "|".join(r"\s+".join(re.escape(part) for part in p.split("_")) for p in phrases)


def words(*path: str) -> frozenset[str]:
    """The word list at `path` (e.g. `words("language", "nl")`) as a set."""
    node: Any = _lexicon()
    for key in path:
        node = node[key]
    return frozenset(str(node).split())
