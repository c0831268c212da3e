"""Intent layer on the chat-ops dev set: the cascade as shipped, embedded only (no LLM).

Same figures as `bmad nlu eval --data ... --json`; prints one JSON line.

    .venv/bin/python -m benchmarks.nlu_chatops [PATH]

PATH defaults to ../shared/benchmarks/chatops/dev.jsonl.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from conversations.nlu.cascade import IntentCascade
from conversations.nlu.evaluate import evaluate, load_jsonl
from conversations.nlu.training import load_or_train
from integrations.observability.logging import configure_logging
from integrations.settings import Settings

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "chatops" / "dev.jsonl"


def main() -> None:
    configure_logging("WARNING", json=True)
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    with tempfile.TemporaryDirectory() as data_dir:  # a cold start: training included
        settings = Settings(_env_file=None, data_dir=data_dir)
        started = time.perf_counter()
        classifier = load_or_train(settings)
        cold_seconds = time.perf_counter() - started
        cascade = IntentCascade(settings, classifier=classifier)
        report = evaluate(load_jsonl(path), lambda row: cascade.understand(row.text).intent)
    report.update(
        {
            "benchmark": "nlu_chatops",
            "train_seconds": round(cold_seconds, 2),
            "threshold": classifier.oos_threshold,
            "embeddings": classifier.config.embeddings,
        }
    )
    print(json.dumps(report))


if __name__ == "__main__":
    main()
