"""Configurations that would silently split state refuse to start (issue 13): several
`serve` processes, a worker or a beat without BMAD_REDIS_URL exit 2 naming it."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from integrations.observability.logging import configure_logging
from integrations.settings import get_settings


@pytest.mark.parametrize("args", [["serve", "--workers", "2"], ["worker"], ["beat"]])
def test_refused_without_redis(args: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("BMAD_REDIS_URL", "BMAD_QUEUE"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, args)
    finally:
        get_settings.cache_clear()
        configure_logging()  # the command logged onto the runner's stderr, closed by now
    assert result.exit_code == 2, result.output
    assert "BMAD_REDIS_URL" in result.output
