"""The intent classifier design on CLINC150 (train+oos_train; threshold from val).

Same figures as `bmad nlu eval --clinc150 ... --json`; prints one JSON line.

    .venv/bin/python -m benchmarks.nlu_clinc150 PATH

PATH: `data_full.json` of CLINC150 (Larson et al., EMNLP-IJCNLP 2019; CC BY 3.0), from the
repository that accompanies the paper; not shipped here (docs/benchmarks.md, "Data sets").
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from conversations.nlu.clinc import run_clinc
from integrations.observability.logging import configure_logging


def main() -> None:
    configure_logging("WARNING", json=True)
    if len(sys.argv) != 2:
        sys.exit("usage: python -m benchmarks.nlu_clinc150 PATH/TO/clinc150/data_full.json")
    path = Path(sys.argv[1])
    report = run_clinc(path)
    report["benchmark"] = "nlu_clinc150"
    print(json.dumps(report))


if __name__ == "__main__":
    main()
