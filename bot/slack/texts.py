"""Slack's user-visible words: `prompts/slack/<lang>.yaml`, rendered with Jinja2.

Why a catalog: button labels and one-line confirmations are too small for one file each,
but they are still words, so they live with the other texts and a translator edits YAML.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, StrictUndefined, Template

TEXTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "slack"
DEFAULT_LANG = "en"

_env = Environment(autoescape=False, undefined=StrictUndefined, keep_trailing_newline=False)


@lru_cache(maxsize=4)
def _catalog(lang: str) -> dict[str, Template]:
    path = TEXTS_DIR / f"{lang}.yaml"
    if not path.is_file():
        return {}
    raw: dict[str, str] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {name: _env.from_string(text) for name, text in raw.items()}


def text(key: str, lang: str = DEFAULT_LANG, /, **facts: Any) -> str:
    """Render text `key` in `lang`, falling back to English when the language lacks it."""
    template = _catalog(lang).get(key) or _catalog(DEFAULT_LANG)[key]
    return template.render(**facts).strip()


def escape(value: str) -> str:
    """Slack mrkdwn escaping for user-supplied text shown back in a message."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
