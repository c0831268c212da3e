"""Imports flow bot -> conversations -> agents -> integrations, never upward.

Counts imports anywhere in a file (inside functions too) and `importlib.import_module("...")` /
`__import__("...")` with a string literal; import cycles are tests/unit/test_import_cycles.py.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.unit.test_import_cycles import string_import

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
        elif isinstance(node, ast.Call) and (target := string_import(node)):
            found.add(target.split(".")[0])
    return found


def test_check_sees_importlib(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import importlib\n"
        "def f():\n"
        "    from bot import app\n"
        "    importlib.import_module('conversations.x')\n"
        "    __import__('agents')\n"
    )
    assert {"bot", "conversations", "agents"} <= _imports(module)


@pytest.mark.parametrize("layer", ORDER)
def test_no_upward_imports(layer: str) -> None:
    above = set(ORDER[: ORDER.index(layer)])
    offenders = [
        f"{path.relative_to(ROOT)} imports {sorted(_imports(path) & above)}"
        for path in sorted((ROOT / layer).rglob("*.py"))
        if _imports(path) & above
    ]
    assert offenders == []
