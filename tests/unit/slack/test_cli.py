"""`bmad slack socket` refuses clearly when Socket Mode cannot work."""

from typer.testing import CliRunner

from bot.cli.main import app
from integrations.observability.logging import configure_logging


def test_socket_mode_without_app_token_says_why(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from integrations.settings import get_settings

    for name in ("SLACK_APP_TOKEN", "BMAD_SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["slack", "socket"])
    finally:
        get_settings.cache_clear()
        # The command configured logging onto the runner's stderr, closed by now.
        configure_logging()
    assert result.exit_code == 2
    assert "SLACK_APP_TOKEN" in result.output
