"""Email templates per language: `prompts/email/<lang>/<name>.subject.txt|.txt.j2|.html.j2`.

Rendered when the email is queued, so the outbox holds exactly what will be sent and a
template error fails the caller's transaction instead of a worker much later.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from pydantic import BaseModel

from integrations.templating import template_environment

EMAIL_PROMPTS = Path(__file__).resolve().parents[2] / "prompts" / "email"
LANGS = ("en", "nl")


class RenderedEmail(BaseModel):
    template: str
    lang: str
    subject: str
    text: str
    html: str


@lru_cache(maxsize=1)
def _env() -> Environment:
    return template_environment(EMAIL_PROMPTS, escape="html_files")


def template_names(lang: str = "en") -> list[str]:
    return sorted(p.name.split(".")[0] for p in (EMAIL_PROMPTS / lang).glob("*.subject.txt"))


def render_email(name: str, lang: str, **context: Any) -> RenderedEmail:
    lang = (
        lang if lang in LANGS and (EMAIL_PROMPTS / lang / f"{name}.subject.txt").is_file() else "en"
    )
    env = _env()
    subject = env.get_template(f"{lang}/{name}.subject.txt").render(**context).strip()
    text = env.get_template(f"{lang}/{name}.txt.j2").render(**context).strip()
    html = env.get_template(f"{lang}/{name}.html.j2").render(**context).strip()
    return RenderedEmail(template=name, lang=lang, subject=subject, text=text, html=html)
