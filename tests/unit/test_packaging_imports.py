"""Every production module imports in a clean environment built from requirements.lock:
a dependency that looks unused can still be needed by a library at import time (greenlet:
slack_sdk's SQLAlchemy stores import sqlalchemy.ext.asyncio)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_slack_installation_store_imports() -> None:
    code = "import integrations.slack.installations"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
