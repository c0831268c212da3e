"""`bmad chat`: the console channel (see `bot.console`)."""

from __future__ import annotations

import sys

import typer

from bot.cli.context import cli_settings, fail
from integrations.observability.logging import configure_logging

app = typer.Typer()


@app.command()
def chat(
    tenant: str = typer.Option("local", help="tenant (workspace) id"),
    user: str = typer.Option("console", help="your user id; made owner of the tenant"),
    conversation: str = typer.Option("default", help="conversation name, to continue one later"),
) -> None:
    """Talk to the assistant. Interactive on a terminal; otherwise one message per line."""
    from bot.console import ConsoleSession  # heavy (NLU, agents): only when chatting

    settings = cli_settings()
    if not tenant or ":" in tenant or len(tenant) > 64:
        raise fail("--tenant must be 1-64 characters without ':'", 2)
    if not user or len(user) > 64 or not conversation or len(conversation) > 200:
        raise fail("--user must be 1-64 and --conversation 1-200 characters", 2)
    interactive = sys.stdin.isatty()
    if interactive:
        # Log lines would interleave with the dialogue; keep only problems, readable.
        configure_logging("WARNING", json=False)
    session = ConsoleSession(settings, tenant, user, conversation, out=typer.echo)
    session.prepare()
    if interactive:
        from bot.console_input import notices_above_prompt, prompt_reader

        with notices_above_prompt():
            session.run_interactive(prompt_reader())
    else:
        session.run_script(sys.stdin)
