"""JSON parsing with limits, for bodies from outside.

Python's `json` recurses per nesting level: 100k-deep `[[[[...]]]]` raises RecursionError
(a 500 and two tracebacks) after burning CPU. The depth is measured first on the raw bytes
(strings removed, so brackets inside them do not count), stopping as soon as it is too deep.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class BadJson(ValueError):
    """The body is not acceptable JSON; `code` is the machine-readable reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def too_deep(body: bytes, max_depth: int = MAX_DEPTH) -> bool:
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False  # cannot nest deeper than it opens: most bodies end here, cheaply
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = 0
    for byte in brackets:
        if byte in (91, 123):  # [ {
            depth += 1
            if depth > max_depth:
                return True
        else:
            depth -= 1
    return False


def loads_limited(body: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if too_deep(raw, max_depth):
        raise BadJson("json_too_deep")
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as err:
        raise BadJson("malformed_json") from err


def loads_object(body: bytes | str, max_depth: int = MAX_DEPTH) -> dict[str, Any]:
    data = loads_limited(body, max_depth)
    if not isinstance(data, dict):
        raise BadJson("json_object_expected")
    return data
