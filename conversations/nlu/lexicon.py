"""Loads `lexicon.yaml`: word lists for language detection and slot extraction."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

import yaml


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, Any]:
    raw = resources.files("conversations.nlu").joinpath("lexicon.yaml").read_text("utf-8")
    return yaml.safe_load(raw)


def words(*path: str) -> frozenset[str]:
    """The word list at `path` (e.g. `words("language", "nl")`) as a set."""
    node: Any = _lexicon()
    for key in path:
        node = node[key]
    return frozenset(str(node).split())
