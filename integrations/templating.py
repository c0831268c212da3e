"""The one Jinja environment factory: every text we render (chat replies, Slack texts,
emails, billing texts, agent prompts, console pages) is a template file under `prompts/` or
the console's `templates/`, rendered by an environment made here.

Why one place: escaping is a security rule (issue 14: user and model text must stay inert),
and it differs only by where the text goes -
- `mrkdwn`: posted to Slack; every value is Slack-escaped (`& < >`), the template's own
  markup stays live;
- `html`: web pages; HTML autoescape for every template;
- `html_files`: emails; HTML autoescape for `*.html.j2`, the plain-text parts as typed;
- `none`: agent prompts and texts that are escaped later by whoever posts them.
Missing values are errors (StrictUndefined), never silently empty text.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from jinja2 import BaseLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape

from integrations.mrkdwn import slack_finalize

Escape = Literal["mrkdwn", "html", "html_files", "none"]


@lru_cache(maxsize=32)
def template_environment(
    directory: Path | None, *, escape: Escape, trim: bool = True
) -> Environment:
    """An environment for the templates in `directory` (None: `from_string` only).
    `trim`: block tags take their line with them (off for one-line YAML texts)."""
    loader: BaseLoader | None = FileSystemLoader(str(directory)) if directory else None
    autoescape = {
        "html": select_autoescape(default=True, default_for_string=True),
        "html_files": select_autoescape(enabled_extensions=("html.j2",), default=False),
    }.get(escape, False)
    return Environment(
        loader=loader,
        autoescape=autoescape,
        finalize=slack_finalize if escape == "mrkdwn" else None,
        undefined=StrictUndefined,
        trim_blocks=trim,
        lstrip_blocks=trim,
        keep_trailing_newline=False,
    )
