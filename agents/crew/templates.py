"""Jinja2 over `prompts/`: agent prompts, offline drafts and result layouts are data files.

Why filters here: offline drafts derive their content from the user's words (split a
feature into clauses, shorten an upstream output); the wording around them stays in the
template files, so no sentence lives in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, TemplateNotFound

from integrations.mrkdwn import slack_finalize
from integrations.templating import template_environment

PROMPTS_DIR = Path(__file__).resolve().parents[2] / "prompts"
LANGS = ("en", "nl")

_SPLIT = re.compile(r"\s*(?:[,;\n]|\band\b|\ben\b|&|\+)\s*", re.IGNORECASE)


def clauses(text: str, limit: int = 5) -> list[str]:
    """The parts of a request ("login, logout and reset" -> 3 parts), at least the whole."""
    parts = [p.strip(" .") for p in _SPLIT.split(text or "") if p and p.strip(" .")]
    return parts[:limit] or ([text.strip()] if text and text.strip() else [])


def first_line(text: str | None, limit: int = 160) -> str:
    for raw in (text or "").splitlines():
        if raw.strip().startswith("_") and raw.strip().endswith("_"):
            continue  # an italic note (e.g. the offline label), not content
        line = raw.strip(" #*-_>")
        if line:
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""


def headings(text: str | None, limit: int = 8) -> list[str]:
    """Markdown headings and bullet lines of an upstream output (what it covers)."""
    found = []
    for line in (text or "").splitlines():
        stripped = line.strip()
        if stripped.startswith(("#", "- ", "* ")) and len(stripped) > 2:
            found.append(stripped.lstrip("#*- ").strip())
        if len(found) >= limit:
            break
    return found


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = template_environment(PROMPTS_DIR, escape="none")
    env.filters["clauses"] = clauses
    env.filters["first_line"] = first_line
    env.filters["headings"] = headings
    return env


@lru_cache(maxsize=1)
def notice_environment() -> Environment:
    """Workflow notices and results are posted to Slack: every value (user words, model
    output) is escaped, the template's own markup stays live. Agent prompts and drafts use
    `environment()`: they go to a model or into stored output, not to Slack."""
    env = environment().overlay(finalize=slack_finalize)
    return env


def render(path: str, **values: Any) -> str:
    env = notice_environment() if path.startswith("workflows/") else environment()
    return env.get_template(path).render(**values).strip()


def render_lang(base: str, lang: str, **values: Any) -> str:
    """`base` with `{lang}` in it; falls back to English when a language file is missing."""
    try:
        return render(base.format(lang=lang), lang=lang, **values)
    except TemplateNotFound:
        return render(base.format(lang="en"), lang="en", **values)


@lru_cache(maxsize=8)
def labels(lang: str) -> dict[str, str]:
    return labels_file("agents/labels", lang)


@lru_cache(maxsize=32)
def labels_file(base: str, lang: str) -> dict[str, str]:
    """`prompts/<base>.<lang>.yaml`, English when the language file is missing."""
    path = PROMPTS_DIR / f"{base}.{lang}.yaml"
    if not path.exists():
        path = PROMPTS_DIR / f"{base}.en.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))
