"""Slack `/bmad` subcommands of billing, access and data protection: `billing [plan]`,
`role @user <role>`, `export [@user]` (a JSON file by DM).

`BILLING_COMMANDS` is listed in the Slack command table (`bot.slack.commands`), which
imports this module; texts come from `prompts/billing/`.
"""

from __future__ import annotations

import json
import re

from slack_sdk.errors import SlackApiError

from agents.access import PermissionDenied, require
from agents.roles import RoleChangeRefused, change_role
from bot.billing.links import billing_links_text
from bot.slack.command_types import CommandContext, CommandHandler
from bot.slack.posting import NoBotToken, outbound_for
from integrations.billing.texts import render_text
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.privacy.export import export_user_data

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


def export_command(ctx: CommandContext) -> str:
    """Everyone may export their own data; another user's needs `export_data`."""
    target = parse_user(ctx.args[0]) if ctx.args else ctx.user_id
    if target is None or len(ctx.args) > 1:
        return render_text("export_usage", ctx.lang)
    if target != ctx.user_id:
        with tenant_session(ctx.settings.database_url, ctx.team_id) as session:
            role = role_of(session, ctx.user_id)
        try:
            require(role, "export_data", ctx.lang)
        except PermissionDenied as err:
            return err.message
    data = export_user_data(
        ctx.settings, ctx.team_id, target, requested_by=ctx.user_id, source="slack"
    )
    try:
        out = outbound_for(ctx.settings, ctx.team_id)
        dm = out.client.conversations_open(users=ctx.user_id)["channel"]["id"]
        out.upload_text(
            dm,
            json.dumps(data, indent=2, ensure_ascii=False, default=str),
            filename=f"bmad-export-{target}.json",
            title=f"bmad-export-{target}.json",
        )
    except (SlackApiError, NoBotToken, KeyError, TypeError):
        return render_text("export_failed", ctx.lang)
    return render_text("export_sent", ctx.lang, user=target)


BILLING_COMMANDS: dict[str, CommandHandler] = {
    "billing": billing_command,
    "export": export_command,
    "role": role_command,
}
