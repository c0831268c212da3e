"""`bmad test dialogues PATH...`: run conversation tests written as YAML (see
`conversations.dialogue_suite`) against a throwaway embedded installation."""

from __future__ import annotations

import tempfile
from pathlib import Path

import typer

from bot.cli.context import cli_settings, fail, print_json
from integrations.observability.logging import configure_logging

test_app = typer.Typer(help="Run the assistant's own test suites.", no_args_is_help=True)


@test_app.command("dialogues")
def dialogues(
    paths: list[Path] = typer.Argument(..., help="YAML files or folders of them"),
    json_out: bool = typer.Option(False, "--json", help="print the report as one JSON object"),
) -> None:
    """Run dialogues turn by turn through the real pipeline; exit 1 if any fails."""
    from conversations.dialogue_suite import DialogueRunner, dialogue_files, throwaway_settings

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise fail(f"no such file or folder: {', '.join(missing)}", 2)
    if not dialogue_files(paths):
        raise fail("no dialogue files (*.yaml) found", 2)
    base = cli_settings()
    # The report is the output: only problems from the log, readable.
    configure_logging("WARNING", json=False)
    with tempfile.TemporaryDirectory(prefix="bmad-dialogues-") as folder:
        settings = throwaway_settings(Path(folder), base)
        report = DialogueRunner(settings).run_paths(paths)
    if json_out:
        print_json(report.model_dump())
    else:
        for result in report.dialogues:
            mark = "ok  " if result.passed else "FAIL"
            typer.echo(f"{mark} {result.name} ({result.file})")
            if result.error:
                typer.echo(f"     {result.error}")
            for failure in result.failures:
                said = (failure.say or "")[:120]
                typer.echo(f"     turn {failure.turn} {said!r}: {'; '.join(failure.problems)}")
                typer.echo(f"       reply: {failure.reply[:300]!r}")
        typer.echo(f"{report.passed} passed, {report.failed} failed")
    if report.status != "passed":
        raise typer.Exit(1)
