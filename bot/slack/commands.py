"""`/bmad <subcommand>`: the command table.

Each subcommand maps to a handler that receives a `CommandContext` and returns the text
answered to the user ephemerally. Other areas' handlers are listed here too, imported from
their modules (billing: `billing`, `export`, `role`), so the table is whole wherever it is
imported (web app, worker, Socket Mode). Text that is not a known subcommand is a
natural-language turn (`bot.slack.listeners.commands`). Handlers run after the ack, never
inside it; `help` is the one instant answer (no I/O) and is given in the ack itself.
"""

from __future__ import annotations

from agents.roster import list_agents
from bot.slack.billing_commands import BILLING_COMMANDS
from bot.slack.command_types import CommandContext, CommandHandler
from bot.slack.texts import table, text
from bot.slack.workflow_calls import decide, describe_run, recent_runs, run_line
from conversations.usage import usage_text

COMMANDS: dict[str, CommandHandler] = {}
INSTANT_COMMANDS = frozenset({"help"})


def register_command(name: str, handler: CommandHandler) -> None:
    COMMANDS[name] = handler


def parse(command_text: str) -> tuple[str, list[str]]:
    """`"status 12"` -> ("status", ["12"]); empty text means help."""
    words = command_text.strip().split()
    if not words:
        return "help", []
    return words[0].lower(), words[1:]


def resolve(command_text: str) -> tuple[str | None, list[str]]:
    """The subcommand and its arguments, or (None, words) for a request in words.

    `help` takes no arguments: "/bmad help me write a story" is a request, not the list.
    """
    name, args = parse(command_text)
    if name not in COMMANDS or (name in INSTANT_COMMANDS and args):
        return None, [name, *args]
    return name, args


def help_text(ctx: CommandContext | None = None, lang: str = "en") -> str:
    """One line per registered subcommand (words from prompts/slack/<lang>.yaml)."""
    lang = ctx.lang if ctx else lang
    lines = table("help_commands", lang)
    body = [lines.get(name, f"• `/bmad {name}`") for name in COMMANDS]
    return "\n".join([text("help_header", lang), *body, text("help_footer", lang)])


def _agents(ctx: CommandContext) -> str:
    lines = [text("agents_header", ctx.lang)]
    lines += [
        text("agent_line", ctx.lang, name=a.name, description=a.describe(ctx.lang))
        for a in list_agents()
    ]
    return "\n".join(lines)


def _runs(ctx: CommandContext) -> str:
    runs = recent_runs(ctx.settings, ctx.team_id)
    if not runs:
        return text("runs_none", ctx.lang)
    return "\n".join([text("runs_header", ctx.lang)] + [run_line(r, ctx.lang) for r in runs])


def _status(ctx: CommandContext) -> str:
    return describe_run(ctx.settings, ctx.team_id, _run_arg(ctx), ctx.lang)


def _usage(ctx: CommandContext) -> str:
    return usage_text(ctx.settings, ctx.team_id, ctx.lang)


def _decision(action: str) -> CommandHandler:
    def handler(ctx: CommandContext) -> str:
        run_id = _run_arg(ctx)
        if run_id is None:
            return text("run_id_needed", ctx.lang, command=action)
        return decide(ctx.settings, ctx.team_id, run_id, ctx.user_id, action, ctx.lang).message

    return handler


def _run_arg(ctx: CommandContext) -> int | None:
    if not ctx.args:
        return None
    raw = ctx.args[0].lstrip("#")
    return int(raw) if raw.isdigit() else None


register_command("help", help_text)
register_command("agents", _agents)
register_command("runs", _runs)
register_command("status", _status)
register_command("usage", _usage)
register_command("approve", _decision("approve"))
register_command("reject", _decision("reject"))
register_command("cancel", _decision("cancel"))
COMMANDS.update(BILLING_COMMANDS)
