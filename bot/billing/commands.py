"""Slack `/bmad` subcommands of billing and access: `billing [plan]`, `role @user <role>`.

Registered into the Slack command table (`bot.slack.commands.register_command`) when this
module is imported; texts come from `prompts/billing/`.
"""

from __future__ import annotations

import re

from agents.access import PermissionDenied
from agents.roles import RoleChangeRefused, change_role
from bot.billing.links import billing_links_text
from bot.slack.commands import CommandContext, register_command
from integrations.billing.texts import render_text
from integrations.db.models import Role

# `<@U123>`, `<@U123|name>` (escaped mentions), `@U123` or a bare `U123`.
_MENTION = re.compile(r"^<?@?([UW][A-Z0-9]{2,20})(?:\|[^>]*)?>?$")


def parse_user(token: str) -> str | None:
    match = _MENTION.match(token.strip())
    return match.group(1) if match else None


def billing_command(ctx: CommandContext) -> str:
    plan = ctx.args[0].lower() if ctx.args else "team"
    return billing_links_text(ctx.settings, ctx.team_id, ctx.user_id, plan, ctx.lang)


def role_command(ctx: CommandContext) -> str:
    if len(ctx.args) != 2:
        return render_text("role_usage", ctx.lang)
    user = parse_user(ctx.args[0])
    role_name = ctx.args[1].lower()
    if user is None or role_name not in Role.__members__:
        return render_text("role_usage", ctx.lang)
    role = Role(role_name)
    try:
        previous = change_role(
            ctx.settings,
            ctx.team_id,
            actor_id=ctx.user_id,
            target_id=user,
            role=role,
            source="slack",
            lang=ctx.lang,
        )
    except PermissionDenied as err:
        return err.message
    except RoleChangeRefused:
        return render_text("role_last_owner", ctx.lang)
    return render_text(
        "role_changed",
        ctx.lang,
        user=user,
        role=role.value,
        previous=previous.value if previous else None,
    )


register_command("billing", billing_command)
register_command("role", role_command)
