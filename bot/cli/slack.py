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


@slack_app.command("approvers")
def approvers(
    tenant: str = typer.Option(..., help="tenant (Slack team id)"),
    group: str = typer.Option("", help="Slack user group id (S…) pinged on approval requests"),
    clear: bool = typer.Option(False, help="remove the group: eligible approvers get DMs"),
) -> None:
    """Who hears about approval requests: a user group, or (default) DMs to approvers."""
    from bot.cli.context import require_tenant
    from bot.slack.approvers import InvalidGroup, approvers_group, set_approvers_group

    settings = cli_settings()
    require_tenant(settings, tenant)
    if group or clear:
        try:
            set_approvers_group(settings, tenant, None if clear else group)
        except InvalidGroup as err:
            raise fail(f"not a Slack user group id (S…): {group}", 2) from err
    current = approvers_group(settings, tenant)
    typer.echo(f"approvers group: {current}" if current else "approvers: DM to each approver")
