"""`bmad slack socket`: the same Bolt app over Socket Mode (no public URL needed)."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings, fail

slack_app = typer.Typer(help="Slack front end.", no_args_is_help=True)


@slack_app.command("socket")
def socket() -> None:
    """Connect to Slack over Socket Mode (needs SLACK_APP_TOKEN and SLACK_BOT_TOKEN)."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.slack.bolt_app import SlackNotConfigured
    from bot.slack.wiring import prepare_socket_mode

    settings = cli_settings()
    if settings.slack_app_token is None:
        raise fail("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token", 2)
    try:
        bolt = prepare_socket_mode(settings)
    except SlackNotConfigured as err:
        raise fail(f"Slack is not configured: {err}", 2) from err
    SocketModeHandler(bolt, settings.slack_app_token.get_secret_value()).start()
