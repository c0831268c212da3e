"""Operator commands for tenants and users."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings, fail, print_json
from integrations.db.models import Role
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import UnknownTenantError, create_tenant, get_tenant, list_tenants
from integrations.db.tenants import set_role as set_user_role

tenants_app = typer.Typer(help="Create and list tenants.")
users_app = typer.Typer(help="Manage users of a tenant.")


@tenants_app.command("create")
def create(
    tenant_id: str = typer.Argument(..., help="tenant id (Slack team id, or any short name)"),
    name: str = typer.Option("", help="display name"),
    plan: str = typer.Option("free", help="plan name"),
) -> None:
    """Create a tenant (no-op when it exists)."""
    settings = cli_settings()
    if not tenant_id or ":" in tenant_id or len(tenant_id) > 64:
        raise fail("tenant id must be 1-64 characters without ':'", 2)
    with admin_session(settings.database_url) as session:
        tenant = create_tenant(session, tenant_id, name or tenant_id, plan)
        typer.echo(f"tenant {tenant.id} ({tenant.name}, plan {tenant.plan})")


@tenants_app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """List tenants."""
    settings = cli_settings()
    with admin_session(settings.database_url) as session:
        rows = [{"id": t.id, "name": t.name, "plan": t.plan} for t in list_tenants(session)]
    if json_out:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']}\t{row['name']}\t{row['plan']}")


@users_app.command("set-role")
def set_role(
    user: str = typer.Argument(..., help="external user id (e.g. Slack user id)"),
    role: Role = typer.Argument(..., help="owner, admin, member or viewer"),
    tenant: str = typer.Option(..., "--tenant", help="tenant id"),
) -> None:
    """Give a user a role in a tenant (creates the user record if needed)."""
    settings = cli_settings()
    try:
        with admin_session(settings.database_url) as session:
            get_tenant(session, tenant)
        with tenant_session(settings.database_url, tenant) as session:
            set_user_role(session, tenant, user, role)
    except UnknownTenantError as err:
        raise fail(f"unknown tenant: {tenant}", 2) from err
    typer.echo(f"{user} is now {role.value} in {tenant}")
