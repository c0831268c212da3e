"""`bmad workflows`: a tenant's workflow templates (stored in the database, versioned).

The same store and validation as `POST /api/v1/workflows`; every change is audited with
the operator as actor. `import` is also how templates from the old per-host folders
(`<data_dir>/workflows/<tenant>/*.yaml`) move into the database.
"""

from __future__ import annotations

from pathlib import Path

import typer

from agents.workflows import store
from agents.workflows.errors import WorkflowError
from agents.workflows.loader import list_entries, load_template
from bot.cli.context import cli_settings, fail, operator, print_json, require_tenant
from integrations.db.session import tenant_session

workflows_app = typer.Typer(help="List, show, import, export and delete workflow templates.")
TENANT = typer.Option(..., "--tenant", help="tenant id")


@workflows_app.command("list")
def list_(tenant: str = TENANT) -> None:
    """Every template the tenant can start (a broken one is listed with its problem)."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    rows = [
        {
            "name": e.name,
            "origin": e.origin,
            "version": e.version,
            "description": e.template.description if e.template else "",
            "problem": e.problem,
        }
        for e in list_entries(settings, tenant)
    ]
    print_json(rows)


@workflows_app.command("show")
def show(name: str = typer.Argument(..., help="template name"), tenant: str = TENANT) -> None:
    """The template in force for the tenant, as YAML."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    try:
        template = load_template(settings, tenant, name)
    except WorkflowError as err:
        raise fail(err.message, 1) from err
    typer.echo(store.export_text(template.model_dump(mode="json", exclude_defaults=True)), nl=False)


@workflows_app.command("import")
def import_(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="YAML or JSON file"),
    tenant: str = TENANT,
) -> None:
    """Validate a template file and store it as the tenant's next version."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    try:
        template = store.validate(store.parse_text(file.read_text(encoding="utf-8")))
    except store.TemplateInvalid as err:
        raise fail(f"{file}: {err.field}: {err.problem}", 2) from err
    except UnicodeDecodeError as err:
        raise fail(f"{file}: not UTF-8", 2) from err
    with tenant_session(settings.database_url, tenant) as session:
        version = store.save(session, tenant, template, actor=operator(), source="cli")
    typer.echo(f"workflow {template.name} version {version} stored for {tenant}")


@workflows_app.command("export")
def export(
    name: str = typer.Argument(..., help="template name"),
    tenant: str = TENANT,
    fmt: str = typer.Option("yaml", "--format", help="yaml or json"),
) -> None:
    """Print the template (tenant's or built-in) so it can be edited and imported again."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    if fmt not in ("yaml", "json"):
        raise fail("--format must be yaml or json", 2)
    try:
        template = load_template(settings, tenant, name)
    except WorkflowError as err:
        raise fail(err.message, 1) from err
    body = template.model_dump(mode="json", exclude_defaults=True)
    typer.echo(store.export_text(body, fmt), nl=False)


@workflows_app.command("delete")
def delete(name: str = typer.Argument(..., help="template name"), tenant: str = TENANT) -> None:
    """Delete the tenant's template (a built-in of the same name applies again)."""
    settings = cli_settings()
    require_tenant(settings, tenant)
    with tenant_session(settings.database_url, tenant) as session:
        deleted = store.delete(session, tenant, name, actor=operator(), source="cli")
    if not deleted:
        raise fail(f"tenant {tenant} has no workflow template {name!r}", 1)
    typer.echo(f"workflow {name} deleted for {tenant}")
