"""Word lists and hint texts of the offline analysis, from prompts/analysis/<name>.<lang>.yaml."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

WORDS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "analysis"


@lru_cache(maxsize=32)
def load(name: str, lang: str) -> dict[str, Any]:
    path = WORDS_DIR / f"{name}.{lang}.yaml"
    if not path.exists():
        path = WORDS_DIR / f"{name}.en.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def both(name: str, key: str) -> list[str]:
    """A word list in EN and NL together: a Dutch team writes English error words too."""
    words: list[str] = []
    for lang in ("en", "nl"):
        words.extend(str(w).lower() for w in load(name, lang).get(key, []) or [])
    return list(dict.fromkeys(words))
