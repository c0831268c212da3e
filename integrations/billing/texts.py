"""User-facing billing sentences: Jinja2 templates in `prompts/billing/<lang>/<name>.md`.

Lives in integrations (not conversations.replies) because the quota refusal is raised
below the conversation layer and must already carry a user-safe message.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, TemplateNotFound

from integrations.templating import template_environment

BILLING_PROMPTS = Path(__file__).resolve().parents[2] / "prompts" / "billing"
LANGS = ("en", "nl")


@lru_cache(maxsize=1)
def _env() -> Environment:
    return template_environment(BILLING_PROMPTS, escape="mrkdwn")  # posted to Slack


def render_text(name: str, lang: str, **facts: Any) -> str:
    lang = lang if lang in LANGS else "en"
    try:
        template = _env().get_template(f"{lang}/{name}.md")
    except TemplateNotFound:
        template = _env().get_template(f"en/{name}.md")
    return template.render(**facts).strip()
