"""What a `/bmad` subcommand handler gets and returns; the table is `bot.slack.commands`.

Apart from the table so that other areas' handlers (`bot.slack.billing_commands`) can be written
against it while the table imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from integrations.settings import Settings


@dataclass(frozen=True)
class CommandContext:
    settings: Settings
    team_id: str
    user_id: str
    channel_id: str
    args: list[str]
    lang: str = "en"


CommandHandler = Callable[[CommandContext], str]
