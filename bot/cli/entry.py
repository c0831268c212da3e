"""The `bmad` console script: decide the metrics mode, then run the Typer app.

Why a separate module: prometheus_client fixes single- or multi-process mode when it is
first imported, and `bot.cli.main` imports half the code base (which defines metrics).
"""

from __future__ import annotations

import sys


def main() -> None:
    from integrations.observability.multiproc import prepare_for_command

    prepare_for_command(sys.argv[1:])
    from bot.cli.main import main as run

    run()
