"""Reply texts: Jinja2 templates in `prompts/replies/<lang>/<name>.md`.

Python decides *which* reply and passes facts; the words live in the templates, one file
per reply and language, so a translator never edits code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateNotFound

from integrations.templating import template_environment

REPLIES_DIR = Path(__file__).resolve().parents[1] / "prompts" / "replies"
LANGS = ("en", "nl")
DEFAULT_LANG = "en"


@lru_cache(maxsize=1)
def _env() -> Environment:
    return template_environment(REPLIES_DIR, escape="mrkdwn")  # replies are Slack mrkdwn


def has_reply(name: str, lang: str) -> bool:
    return (REPLIES_DIR / _lang(lang) / f"{name}.md").is_file()


def render(name: str, lang: str, **facts: Any) -> str:
    """Render reply `name` in `lang` (English when that language lacks the template)."""
    try:
        template = _env().get_template(f"{_lang(lang)}/{name}.md")
    except TemplateNotFound:
        template = _env().get_template(f"{DEFAULT_LANG}/{name}.md")
    return template.render(lang=_lang(lang), **facts).strip()


def _lang(lang: str) -> str:
    return lang if lang in LANGS else DEFAULT_LANG
