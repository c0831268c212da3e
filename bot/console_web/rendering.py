"""Jinja2 for the console: autoescaped HTML, so run outputs and chat text are inert.

Agent outputs and replies are Markdown; `markdown` renders them with markdown-it-py with raw
HTML off (a `<script>` in an output is text) and its link check on (no `javascript:` or
`data:` links), so the rendered HTML is as inert as the escaped text was.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.responses import HTMLResponse

from bot.console_web.texts import texts
from integrations.templating import template_environment

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@lru_cache(maxsize=1)
def _markdown_it() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "breaks": True}).enable("table")


def markdown(text: str | None) -> Markup:
    return Markup(_markdown_it().render(text or ""))  # nosec B704 - raw HTML is off


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = template_environment(TEMPLATES_DIR, escape="html")
    env.filters["markdown"] = markdown
    return env


def page(name: str, lang: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env().get_template(name).render(t=texts(lang), lang=lang, **context)
    response = HTMLResponse(html, status_code=status_code)
    response.headers["Cache-Control"] = "no-store"  # pages carry tenant data and a CSRF token
    return response
