"""CLI tests of issue 17 (platform) in-process with Typer's runner on an embedded database."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from bot.cli.main import app
from integrations.db.migrate import upgrade
from integrations.settings import get_settings
from tests.conftest import make_tenant

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("BMAD_DATABASE_URL", url)
    monkeypatch.setenv("BMAD_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BMAD_LOG_JSON", "false")
    monkeypatch.setenv("BMAD_WEBHOOK_ALLOW_PRIVATE", "1")  # local endpoint URLs (SSRF guard, #14)
    get_settings.cache_clear()
    upgrade(url)
    make_tenant(url, "tcli")
    yield url
    get_settings.cache_clear()
    structlog.reset_defaults()  # the CLI configured logging onto the runner's closed stream


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output
