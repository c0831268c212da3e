"""`bmad audit export [--tenant T] [--json] [--action PREFIX] [--since T] [--until T]`.

The append-only audit log for operators.

Streams entries in id order (JSON lines with --json, tab-separated otherwise), so a large
log exports without being held in memory.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import typer

from bot.cli.context import cli_settings, fail
from integrations.audit_log import AuditRecord, iter_audit, json_line
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import UnknownTenantError, get_tenant

audit_app = typer.Typer(help="Read the audit log.")


def _line(record: AuditRecord, as_json: bool) -> str:
    if as_json:
        return json_line(record)
    details = json.dumps(record.details, ensure_ascii=False, sort_keys=True)
    return "\t".join(
        [
            record.when.isoformat(),
            record.tenant_id,
            record.source,
            record.actor,
            record.action,
            record.target,
            details,
        ]
    )


def _utc(value: datetime | None) -> datetime | None:
    """Typer parses ISO dates naive; the log is stored in UTC."""
    return value.replace(tzinfo=UTC) if value and value.tzinfo is None else value


@audit_app.command("export")
def export(
    tenant: str | None = typer.Option(None, "--tenant", help="only this tenant (default: all)"),
    json_out: bool = typer.Option(False, "--json", help="JSON lines instead of TSV"),
    action: str | None = typer.Option(None, help="only actions starting with this"),
    since: datetime | None = typer.Option(None, help="only entries at or after (ISO date, UTC)"),
    until: datetime | None = typer.Option(None, help="only entries before (ISO date, UTC)"),
) -> None:
    """Export audit entries: who, tenant, action, target, details, when, source."""
    settings = cli_settings()
    if tenant is not None:
        try:
            with admin_session(settings.database_url) as session:
                get_tenant(session, tenant)
        except UnknownTenantError as err:
            raise fail(f"unknown tenant: {tenant}", 2) from err
        scope = tenant_session(settings.database_url, tenant)
    else:
        scope = admin_session(settings.database_url)
    with scope as session:
        for record in iter_audit(
            session, action_prefix=action, since=_utc(since), until=_utc(until)
        ):
            typer.echo(_line(record, json_out))
