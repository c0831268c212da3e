"""Operator commands for tenants and users. Every change is audited with the operator
(`cli:<login>`) as actor."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings, fail, operator, print_json
from integrations.billing.plan_change import UnknownPlanError, set_plan
from integrations.billing.plans import default_plan_for, load_catalog
from integrations.db.events import record_audit
from integrations.db.models import Role
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import (
    UnknownTenantError,
    create_tenant,
    get_tenant,
    list_tenants,
    role_of,
    set_self_approval,
)
from integrations.db.tenants import set_role as set_user_role
from integrations.email.addresses import EMAIL_KINDS, InvalidEmail, set_email, set_opt_out

tenants_app = typer.Typer(help="Create, change and list tenants.")
users_app = typer.Typer(help="Manage users of a tenant.")


def _plan_name(plan: str) -> str:
    plans = load_catalog().plans
    if plan not in plans:
        raise fail(f"unknown plan {plan!r}; plans: {', '.join(plans)}", 2)
    return plan


@tenants_app.command("create")
def create(
    tenant_id: str = typer.Argument(..., help="tenant id (Slack team id, or any short name)"),
    name: str = typer.Option("", help="display name"),
    plan: str = typer.Option(
        None, help="plan name (default: self_hosted without Stripe, else the catalog default)"
    ),
) -> None:
    """Create a tenant; for an existing one, --plan changes its plan."""
    settings = cli_settings()
    if not tenant_id or ":" in tenant_id or len(tenant_id) > 64:
        raise fail("tenant id must be 1-64 characters without ':'", 2)
    wanted = _plan_name(plan) if plan else default_plan_for(settings)
    with admin_session(settings.database_url) as session:
        tenant = create_tenant(
            session, tenant_id, name or tenant_id, wanted, actor=operator(), source="cli"
        )
        if plan and tenant.plan != plan:
            set_plan(session, tenant_id, plan, actor=operator(), source="cli")
        typer.echo(f"tenant {tenant.id} ({tenant.name}, plan {tenant.plan})")


@tenants_app.command("set")
def set_(
    tenant_id: str = typer.Argument(..., help="tenant id"),
    self_approval: bool | None = typer.Option(
        None,
        "--self-approval/--no-self-approval",
        help="let the requester of a production run approve it (one-person teams only)",
    ),
    plan: str = typer.Option(None, help="change the plan (quotas follow it)"),
) -> None:
    """Change a tenant's settings (only the options given; audited)."""
    settings = cli_settings()
    if self_approval is None and plan is None:
        raise fail("nothing to set: give --plan, --self-approval or --no-self-approval", 2)
    try:
        with admin_session(settings.database_url) as session:
            if plan is not None:
                changed = set_plan(
                    session, tenant_id, _plan_name(plan), actor=operator(), source="cli"
                )
            if self_approval is not None:
                tenant = set_self_approval(session, tenant_id, self_approval)
                record_audit(
                    session,
                    tenant_id,
                    actor=operator(),
                    action="tenant.settings",
                    target=f"tenant:{tenant_id}",
                    details={"self_approval": self_approval},
                    source="cli",
                )
                state = "on" if tenant.self_approval else "off"
    except UnknownTenantError as err:
        raise fail(f"unknown tenant: {tenant_id}", 2) from err
    except UnknownPlanError as err:
        raise fail(f"unknown plan {plan!r}", 2) from err
    if plan is not None:
        typer.echo(f"tenant {tenant_id} plan {plan}" + ("" if changed else " (unchanged)"))
    if self_approval is not None:
        typer.echo(f"tenant {tenant_id}: self-approval {state}")


@tenants_app.command("list")
def list_(json_out: bool = typer.Option(False, "--json", help="print JSON")) -> None:
    """List tenants."""
    settings = cli_settings()
    with admin_session(settings.database_url) as session:
        rows = [
            {"id": t.id, "name": t.name, "plan": t.plan, "self_approval": t.self_approval}
            for t in list_tenants(session)
        ]
    if json_out:
        print_json(rows)
        return
    for row in rows:
        typer.echo(f"{row['id']}\t{row['name']}\t{row['plan']}")


def _require_tenant(database_url: str, tenant: str) -> None:
    try:
        with admin_session(database_url) as session:
            get_tenant(session, tenant)
    except UnknownTenantError as err:
        raise fail(f"unknown tenant: {tenant}", 2) from err


@users_app.command("set-role")
def set_role(
    user: str = typer.Argument(..., help="external user id (e.g. Slack user id)"),
    role: Role = typer.Argument(..., help="owner, admin, member or viewer"),
    tenant: str = typer.Option(..., "--tenant", help="tenant id"),
) -> None:
    """Give a user a role in a tenant (creates the user record if needed; audited)."""
    settings = cli_settings()
    _require_tenant(settings.database_url, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        before = role_of(session, user)
        set_user_role(session, tenant, user, role)
        record_audit(
            session,
            tenant,
            actor=operator(),
            action="role.change",
            target=user,
            details={"from": before.value if before else None, "to": role.value},
            source="cli",
        )
    typer.echo(f"{user} is now {role.value} in {tenant}")


@users_app.command("set-email")
def set_email_cmd(
    user: str = typer.Argument(..., help="external user id (e.g. Slack user id)"),
    address: str = typer.Argument(..., help="email address ('' clears it)"),
    tenant: str = typer.Option(..., "--tenant", help="tenant id"),
    opt_out: list[str] = typer.Option(
        None, "--opt-out", help=f"kinds of email not to send (repeat): {', '.join(EMAIL_KINDS)}"
    ),
) -> None:
    """Set the address approval, escalation, quota, payment and digest emails go to."""
    settings = cli_settings()
    _require_tenant(settings.database_url, tenant)
    try:
        with tenant_session(settings.database_url, tenant) as session:
            set_email(session, tenant, user, address or None, actor=operator(), source="cli")
            if opt_out:
                set_opt_out(session, tenant, user, opt_out, actor=operator(), source="cli")
    except InvalidEmail as err:
        raise fail(f"not an email address: {address!r}", 2) from err
    except ValueError as err:
        raise fail(str(err), 2) from err
    typer.echo(f"{user} in {tenant}: email {'set' if address else 'cleared'}")
