"""Escaping user- and model-provided text for Slack mrkdwn.

Slack reads `<...>` as markup: `<https://evil.example/login|Session expired>` is a link
whose label hides its target, `<@U1>` pings a person. Text from users (slot values,
quoted requests, GitHub titles) and from models (agent outputs) must reach Slack inert,
while the markup our own templates write around it (`<@{{ user }}>`, `<{{ url }}|Open>`)
stays live. So escaping happens where values meet templates: `slack_finalize` is the
Jinja `finalize` of every environment whose output is posted to Slack; it escapes each
`{{ value }}` and never the template's own text. Slack decodes exactly these three
entities (`&amp;`, `&lt;`, `&gt;`), so nothing else is touched.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup


def slack_escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_unescape(text: str) -> str:
    """The exact inverse of `slack_escape`, for a reply shown outside Slack (terminal, API):
    there `a < b` must read as typed."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_finalize(value: Any) -> Any:
    """Jinja `finalize`: every rendered value escaped, except markup we built ourselves
    (wrapped in `markupsafe.Markup`, e.g. a link or mention made by our code)."""
    if value is None or isinstance(value, Markup | int | float):
        return value
    return slack_escape(str(value))
