"""Runtime and dev pins are separate: the image and `make run` get no test tools."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Not ruff: since issue 12 the offline code review runs it, so it is a runtime pin.
DEV_TOOLS = {"pytest", "pytest-timeout", "hypothesis", "coverage", "freezegun"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def _names(requirements: list[str]) -> set[str]:
    return {_norm(re.split(r"[<>=!\[ ;]", r, maxsplit=1)[0]) for r in requirements}


def test_runtime_lock_has_no_dev_tools_and_pins_every_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(ROOT / "requirements.lock")
    dev = _pins(ROOT / "requirements-dev.lock")
    assert not DEV_TOOLS & set(runtime)
    assert _names(project["dependencies"]) <= set(runtime)
    assert _names(project["optional-dependencies"]["dev"]) <= set(dev)
    assert not set(runtime) & set(dev)  # one pin per package
    assert "-r requirements.lock" in (ROOT / "requirements-dev.lock").read_text()
