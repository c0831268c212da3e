"""The embedded default (no broker): `bmad runs` drives a feature_delivery run to the end.

Steps run in the CLI process's background threads; the command waits for them, so the
operator sees the run waiting for approval, approves it, and `show --json` reports every
step succeeded.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.worker_support import ROOT

pytestmark = pytest.mark.slow


def test_feature_delivery_embedded_through_the_cli(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BMAD_", "OPENAI_"))}
    env.update(
        BMAD_DATABASE_URL=f"sqlite:///{tmp_path / 'bmad.db'}",
        BMAD_LOG_LEVEL="WARNING",
        BMAD_DATA_DIR=str(tmp_path / "data"),
    )

    def bmad(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    for args in (
        ("migrate",),
        ("tenants", "create", "local"),
        ("users", "set-role", "lead", "admin", "--tenant", "local"),
    ):
        assert bmad(*args).returncode == 0
    started = bmad(
        "runs",
        "start",
        "feature_delivery",
        "-i",
        "feature=team calendar sync",
        "--user",
        "dev",
        "--json",
    )
    assert started.returncode == 0, started.stderr
    run = json.loads(started.stdout)
    assert run["status"] == "waiting_approval" and run["waiting_approval"] == "approval"

    assert bmad("runs", "approve", str(run["id"]), "--user", "dev").returncode == 1
    approved = bmad("runs", "approve", str(run["id"]), "--user", "lead")
    assert approved.returncode == 0, approved.stderr

    shown = json.loads(bmad("runs", "show", str(run["id"]), "--json").stdout)
    assert shown["status"] == "succeeded"
    assert {s["name"]: s["status"] for s in shown["steps"]} == {
        "story": "succeeded",
        "design": "succeeded",
        "test_plan": "succeeded",
        "review": "succeeded",
        "approval": "succeeded",
        "summary": "succeeded",
    }
    assert "team calendar sync" in shown["steps"][0]["output"]
    assert set(shown) >= {"id", "workflow", "status", "created_at", "steps"}
    assert set(shown["steps"][0]) == {"name", "agent", "status", "output"}
