"""Production code states its invariants with explicit checks, not `assert`: `python -O`
strips asserts, so a check that matters would silently disappear."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_assert_statements_in_production_code() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for package in ("bot", "conversations", "agents", "integrations")
        for path in sorted((ROOT / package).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert found == []
