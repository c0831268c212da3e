"""The user's own words as run inputs (`request_text`, `request_context`).

Why: catalog slots say *what* to do ("release notes for v3.0"); the content a user gives
with it (the changes, the stand-up notes, a pasted code block) lives only in the text.
Every run started from a message therefore carries the request's text, cleaned of
control characters but otherwise intact (code fences, bullets and "key: value" lines
keep their lines), within a per-task limit from `request_limits.yaml`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

LIMITS_FILE = Path(__file__).with_name("request_limits.yaml")
# C0/C1 control characters except tab and newline (a carriage return becomes a newline).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


class RequestLimits(BaseModel):
    default: int
    limits: dict[str, int]

    def for_task(self, *names: str | None) -> int:
        for name in names:
            if name and name in self.limits:
                return self.limits[name]
        return self.default


@lru_cache(maxsize=1)
def request_limits() -> RequestLimits:
    return RequestLimits.model_validate(yaml.safe_load(LIMITS_FILE.read_text(encoding="utf-8")))


def clean_request_text(text: str) -> str:
    """Control characters out, line structure in: "\\r\\n" -> "\\n", trailing blanks kept
    off the ends only (indentation inside code blocks matters)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip("\n ")


def join_turns(turns: list[str]) -> str:
    """The request and the answers it took, one message per paragraph."""
    return "\n\n".join(t for t in (clean_request_text(t) for t in turns) if t)
