"""`bmad apikeys`: create (shown once), list and revoke a tenant's REST API keys."""

from __future__ import annotations

import typer

from bot.api.keys import create_api_key, list_api_keys, revoke_api_key
from bot.cli.context import cli_settings, fail, operator, print_json, require_tenant
from integrations.db.session import tenant_session

apikeys_app = typer.Typer(help="Manage REST API keys (Authorization: Bearer ...).")


@apikeys_app.command("create")
def create(
    tenant: str = typer.Option(..., "--tenant", help="tenant id"),
    name: str = typer.Option("", help="what the key is for"),
    user: str = typer.Option(
        "", help="user the key acts as (their role, rate limit and audit name)"
    ),
    scope: str = typer.Option(
        "write", help="write (needs --user: send messages, start/decide runs) or read"
    ),
) -> None:
    """Create a key and print it once; only its hash is stored.

    A key acts only as the user it is created for. A key without a user acts for nobody,
    so it is read-only and must be asked for explicitly with `--scope read`."""
    settings = cli_settings()
    if scope not in ("read", "write"):
        raise fail("--scope must be read or write", 2)
    if scope == "write" and not user:
        raise fail("a key that may act needs --user <id>; for a read-only key: --scope read", 2)
    if scope == "read" and user:
        raise fail("--scope read is for keys without a user; a user's key acts as them", 2)
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        key, plain = create_api_key(session, tenant, name=name, user_id=user, actor=operator())
        prefix = key.prefix
    typer.echo(plain)
    typer.secho(f"key {prefix} for tenant {tenant}: store it now, it is not shown again", err=True)


@apikeys_app.command("list")
def list_(
    tenant: str = typer.Option(..., "--tenant", help="tenant id"),
    json_out: bool = typer.Option(False, "--json", help="print JSON"),
) -> None:
    """List a tenant's keys (prefixes only)."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        rows = [
            {
                "prefix": k.prefix,
                "name": k.name,
                "user": k.user_id,
                "created_at": k.created_at,
                "last_used_at": k.last_used_at,
                "revoked": k.revoked_at is not None,
            }
            for k in list_api_keys(session)
        ]
    if json_out:
        print_json(rows)
        return
    for row in rows:
        state = "revoked" if row["revoked"] else "active"
        typer.echo(f"{row['prefix']}\t{state}\t{row['user']}\t{row['name']}")


@apikeys_app.command("revoke")
def revoke(
    prefix: str = typer.Argument(..., help="the key's prefix (from `bmad apikeys list`)"),
    tenant: str = typer.Option(..., "--tenant", help="tenant id"),
) -> None:
    """Revoke a key: requests with it get 401 from now on."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        found = revoke_api_key(session, prefix, actor=operator())
    if not found:
        raise fail(f"no key {prefix} in tenant {tenant}", 1)
    typer.echo(f"key {prefix} revoked")
