"""Keep the bot from broadcasting on a user's behalf.

Replies quote user text (slot values, "<@U1> asked: ..."). When a user's message held an
`@channel`, Slack delivered it to us as `<!channel>`; posted back as-is, the *bot* would
ping the whole channel. Every outbound text and block passes through `defuse`, which turns
broadcast and user-group mentions into plain text. Our own templates never broadcast.
"""

from __future__ import annotations

import re
from typing import Any

_BROADCAST = re.compile(r"<!(channel|here|everyone|subteam\^[A-Z0-9]+)(?:\|([^>]*))?>")


def _plain(match: re.Match[str]) -> str:
    label = match.group(2)
    if label:
        return label if label.startswith("@") else f"@{label}"
    name = match.group(1)
    return "@group" if name.startswith("subteam") else f"@{name}"


def defuse_text(text: str) -> str:
    return _BROADCAST.sub(_plain, text)


def defuse(value: Any) -> Any:
    """`defuse_text` applied to every string inside Block Kit structures."""
    if isinstance(value, str):
        return defuse_text(value)
    if isinstance(value, list):
        return [defuse(v) for v in value]
    if isinstance(value, dict):
        return {k: defuse(v) for k, v in value.items()}
    return value
