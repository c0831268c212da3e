"""Imports flow bot -> conversations -> agents -> integrations, never upward."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ORDER = ["bot", "conversations", "agents", "integrations"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", ORDER)
def test_no_upward_imports(layer: str) -> None:
    above = set(ORDER[: ORDER.index(layer)])
    offenders = [
        f"{path.relative_to(ROOT)} imports {sorted(_imports(path) & above)}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        if _imports(path) & above
    ]
    assert offenders == []
