"""`bmad console link`: a one-time sign-in link to the web console, valid 15 minutes."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings, fail, operator, require_tenant
from bot.console_web.signing import LINK_MAX_AGE, make_link_token
from integrations.db.events import record_audit
from integrations.db.migrate import upgrade
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import UnknownTenantError, get_tenant, role_of
from integrations.settings import Settings

console_app = typer.Typer(help="The web console at /console.")


@console_app.command("link")
def link(
    tenant: str = typer.Option("local", "--tenant", help="tenant id"),
    user: str = typer.Option(..., "--user", help="the user who signs in (needs a role)"),
) -> None:
    """Print a sign-in link for USER in TENANT; it works once, for 15 minutes.

    On a fresh embedded default (the tenant does not exist yet) the tenant is created with
    the user as its owner, like `bmad chat`: whoever runs the CLI on this machine operates
    the installation. Otherwise the user must already have a role in the tenant."""
    settings = cli_settings()
    if not tenant or ":" in tenant or len(tenant) > 64 or not user or len(user) > 64:
        raise fail("--tenant and --user must be 1-64 characters (tenant without ':')", 2)
    if not settings.shared_deployment and not _tenant_exists(settings, tenant):
        from bot.console import ConsoleSession

        ConsoleSession(settings, tenant, user, "web", out=typer.echo).prepare()
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        if role_of(session, user) is None:
            raise fail(f"{user} has no role in {tenant}: bmad users set-role {tenant} {user} …", 2)
        record_audit(
            session,
            tenant,
            actor=operator(),
            action="console.link_issued",
            target=user,
            details={"valid_seconds": LINK_MAX_AGE},
            source="cli",
        )
    token = make_link_token(settings, tenant, user)
    typer.echo(f"{settings.public_url.rstrip('/')}/console/signin?token={token}")


def _tenant_exists(settings: Settings, tenant: str) -> bool:
    upgrade(settings.database_url)
    with admin_session(settings.database_url) as session:
        try:
            get_tenant(session, tenant)
        except UnknownTenantError:
            return False
    return True
