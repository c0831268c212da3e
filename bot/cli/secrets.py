"""`bmad secrets rotate`: re-encrypt stored secrets under the current BMAD_SECRET_KEY."""

from __future__ import annotations

import typer

from bot.cli.context import cli_settings, fail, print_json
from integrations.webhooks_out.rotation import rotate_all

secrets_app = typer.Typer(help="Secrets at rest (BMAD_SECRET_KEY rotation).")


@secrets_app.command("rotate")
def rotate() -> None:
    """Re-encrypt every stored secret with BMAD_SECRET_KEY (BMAD_SECRET_KEY_PREVIOUS still
    decrypts the old ones). Exits 1 when some could be decrypted with neither key."""
    settings = cli_settings()
    if settings.secret_key is None:
        raise fail("BMAD_SECRET_KEY is not set: nothing to rotate to", 2)
    report = rotate_all(settings)
    print_json({"rotated": report.rotated, "unreadable": report.unreadable})
    if report.unreadable:
        raise typer.Exit(1)
