"""Files that come with a message: which are read as text, and how they join the request.

Why here: a file attached to "review this" is part of the request whatever the channel
(a Slack DM, the web console), so every edge folds it in the same way - each readable file
in a fenced block under its name after the user's words, so the turn (and a run's
`request_text`) keeps its formatting. Which files count as text: `text_files.yaml`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

TYPES_FILE = Path(__file__).with_name("text_files.yaml")


class Attachment(BaseModel):
    """What is known of a file before reading it (no content)."""

    name: str = "file"
    filetype: str = ""  # Slack's file type, when the edge has one
    mimetype: str = ""
    size: int = 0


@lru_cache(maxsize=1)
def _types() -> dict[str, Any]:
    return yaml.safe_load(TYPES_FILE.read_text(encoding="utf-8"))


def is_text_like(file: Attachment) -> bool:
    types = _types()
    ext = file.name.rsplit(".", 1)[-1].lower() if "." in file.name else file.name.lower()
    return (
        file.filetype in types["filetypes"]
        or ext in types["extensions"]
        or any(file.mimetype.startswith(p) for p in types["mimetype_prefixes"])
    )


def fenced(name: str, content: str) -> str:
    """A file as a fenced block under its name (a longer fence when it holds one)."""
    fence = "````" if "```" in content else "```"
    return f"{name}:\n{fence}\n{content.rstrip()}\n{fence}"


def with_files(user_text: str, blocks: list[str], max_chars: int) -> str:
    """The user's words, then the files' blocks, cut to `max_chars` (a cut block is closed)."""
    parts = [user_text.strip()] if user_text.strip() else []
    combined = "\n\n".join([*parts, *blocks])
    if len(combined) > max_chars:
        combined = combined[: max_chars - 4].rstrip() + "\n```"
    return combined
