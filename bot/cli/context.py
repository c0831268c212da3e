"""Shared CLI plumbing: settings loaded once, configuration errors printed, not raised."""

from __future__ import annotations

import json
from typing import Any

import typer

from integrations.db.session import admin_session
from integrations.db.tenants import UnknownTenantError, get_tenant
from integrations.observability.logging import configure_logging
from integrations.settings import (
    ConfigurationError,
    Settings,
    get_settings,
    require_deployment_keys,
)


def cli_settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigurationError as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from err
    configure_logging(settings.log_level, settings.log_json)
    return settings


def process_settings() -> Settings:
    """Settings for a long-running process (serve, worker, beat): a shared deployment
    without its keys is refused before anything starts."""
    settings = cli_settings()
    try:
        require_deployment_keys(settings)
    except ConfigurationError as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from err
    return settings


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=str, indent=None))


def require_tenant(settings: Settings, tenant: str) -> None:
    """Exit 2 with "unknown tenant" before a command works on a tenant that does not exist."""
    try:
        with admin_session(settings.database_url) as session:
            get_tenant(session, tenant)
    except UnknownTenantError as err:
        raise fail(f"unknown tenant: {tenant}", 2) from err


def operator() -> str:
    """The audit actor for CLI changes: the operator's OS account (`cli:<login>`)."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli:unknown"
