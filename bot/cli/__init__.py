"""The `bmad` command line (Typer). One module per command group."""
