"""The depth limit on JSON from outside: exact at the limit, blind to brackets in strings,
and a body with few brackets is never scanned (the cheap path every Slack event takes)."""

from __future__ import annotations

import json

import pytest

from integrations.security.json_limits import MAX_DEPTH, BadJson, loads_limited, too_deep


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_nesting_up_to_the_limit_is_parsed_and_one_more_is_refused() -> None:
    assert loads_limited(_nested(MAX_DEPTH)) is not None
    with pytest.raises(BadJson, match="json_too_deep"):
        loads_limited(_nested(MAX_DEPTH + 1))


def test_brackets_inside_strings_do_not_count() -> None:
    body = json.dumps({"text": "[" * 500 + "{" * 500, "list": [[1], [2], {"a": [3]}]})
    assert not too_deep(body.encode())
    assert loads_limited(body)["list"][2] == {"a": [3]}


def test_many_shallow_brackets_are_scanned_and_pass() -> None:
    body = json.dumps({"blocks": [{"elements": [{"type": "text"}]} for _ in range(50)]})
    assert not too_deep(body.encode())


def test_deep_nesting_after_many_shallow_brackets_is_found() -> None:
    body = b'{"a": [' + b"[1]," * 40 + _nested(MAX_DEPTH) + b"]}"
    assert too_deep(body)
