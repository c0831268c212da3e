"""Slack's user-visible words: `prompts/slack/<lang>.yaml`, rendered with Jinja2.

Why a catalog: button labels and one-line confirmations are too small for one file each,
but they are still words, so they live with the other texts and a translator edits YAML.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Template

from integrations.mrkdwn import slack_escape
from integrations.templating import template_environment

TEXTS_DIR = Path(__file__).resolve().parents[2] / "prompts" / "slack"
DEFAULT_LANG = "en"

# every {{ value }} escaped; the catalog's own markup stays live
_env = template_environment(None, escape="mrkdwn", trim=False)


@lru_cache(maxsize=4)
def _raw(lang: str) -> dict[str, Any]:
    path = TEXTS_DIR / f"{lang}.yaml"
    if not path.is_file():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


@lru_cache(maxsize=4)
def _catalog(lang: str) -> dict[str, Template]:
    return {name: _env.from_string(t) for name, t in _raw(lang).items() if isinstance(t, str)}


def table(key: str, lang: str = DEFAULT_LANG) -> dict[str, str]:
    """A word table (`workflow_titles`, `run_statuses`, `help_commands`): the language's
    entries over the English ones."""
    merged = dict(_raw(DEFAULT_LANG).get(key) or {})
    merged.update(_raw(lang).get(key) or {})
    return {str(k): str(v) for k, v in merged.items()}


def workflow_title(workflow: str, lang: str = DEFAULT_LANG) -> str:
    """Human words for a workflow name; a tenant's own template keeps its name, spaced."""
    return table("workflow_titles", lang).get(workflow) or workflow.replace("_", " ").capitalize()


def status_words(status: str, lang: str = DEFAULT_LANG) -> str:
    return table("run_statuses", lang).get(status, status.replace("_", " "))


def text(key: str, lang: str = DEFAULT_LANG, /, **facts: Any) -> str:
    """Render text `key` in `lang`, falling back to English when the language lacks it."""
    template = _catalog(lang).get(key) or _catalog(DEFAULT_LANG)[key]
    return template.render(**facts).strip()


def escape(value: str) -> str:
    """Slack mrkdwn escaping for user-supplied text put into blocks by code."""
    return slack_escape(value)
