"""Shared CLI plumbing: settings loaded once, configuration errors printed, not raised."""

from __future__ import annotations

import json
from typing import Any

import typer

from integrations.observability.logging import configure_logging
from integrations.settings import ConfigurationError, Settings, get_settings


def cli_settings() -> Settings:
    try:
        settings = get_settings()
    except ConfigurationError as err:
        typer.secho(str(err), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from err
    configure_logging(settings.log_level, settings.log_json)
    return settings


def fail(message: str, code: int = 1) -> typer.Exit:
    typer.secho(message, fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, default=str, indent=None))
