"""Control characters out of text from outside, at the edge.

A NUL byte cannot be stored in a PostgreSQL text column: a message carrying one used to
leave its run `running` forever (every attempt to record the step failed, the sweeper
retried). Other C0/C1 controls (ESC sequences, bells, NEL) have no business in chat text
and can rewrite terminals that show it. Newlines and tabs stay: code blocks, bullet lists
and `key: value` lines must survive.
"""

from __future__ import annotations

import re
from typing import Any

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """`text` without control characters (except newline, tab, carriage return) and
    without lone surrogates (not encodable, so not storable)."""
    return _CONTROLS.sub("", text)


def clean_value(value: Any) -> Any:
    """`clean_text` on every string of a JSON-like value, keys included."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [clean_value(v) for v in value]
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    return value
