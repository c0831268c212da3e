"""The intent classifier design on CLINC150 (train+oos_train; threshold from val).

Same figures as `bmad nlu eval --clinc150 ... --json`; prints one JSON line.

    .venv/bin/python -m benchmarks.nlu_clinc150 [PATH]

PATH defaults to ../shared/benchmarks/clinc150/data_full.json.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conversations.nlu.clinc import run_clinc
from integrations.observability.logging import configure_logging

DEFAULT = (
    Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "clinc150" / "data_full.json"
)


def main() -> None:
    configure_logging("WARNING", json=True)
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    report = run_clinc(path)
    report["benchmark"] = "nlu_clinc150"
    print(json.dumps(report))


if __name__ == "__main__":
    main()
