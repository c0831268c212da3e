"""`bmad`: the root command. Each group lives in its own module and is registered here."""

from __future__ import annotations

import typer

from bot.cli import chat, ops, slack, tenants
from bot.cli.apikeys import apikeys_app
from bot.cli.audit import audit_app
from bot.cli.console_link import console_app
from bot.cli.dialogues import test_app
from bot.cli.nlu import nlu_app
from bot.cli.runs import runs_app
from bot.cli.secrets import secrets_app
from bot.cli.webhooks import webhooks_app
from bot.cli.workflows import workflows_app

app = typer.Typer(
    name="bmad",
    help="BMAD chat-ops assistant: serve, work, migrate, chat and operate.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.registered_commands.extend(ops.app.registered_commands)
app.registered_commands.extend(chat.app.registered_commands)
app.add_typer(tenants.tenants_app, name="tenants")
app.add_typer(tenants.users_app, name="users")
app.add_typer(slack.slack_app, name="slack")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(apikeys_app, name="apikeys")
app.add_typer(runs_app, name="runs")
app.add_typer(nlu_app, name="nlu")
app.add_typer(audit_app, name="audit")
app.add_typer(test_app, name="test")
app.add_typer(workflows_app, name="workflows")
app.add_typer(secrets_app, name="secrets")
app.add_typer(console_app, name="console")


def main() -> None:
    app()
