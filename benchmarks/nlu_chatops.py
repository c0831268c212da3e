"""Intent layer on the chat-ops dev set: the cascade as shipped, embedded only (no LLM).

Same figures as `bmad nlu eval --data ... --json`; prints one JSON line.

    .venv/bin/python -m benchmarks.nlu_chatops PATH

PATH: the team's chat-ops development set (`dev.jsonl`: one {"text", "intent", "lang"}
object per line, docs/spec/INTENTS.md); not shipped here (docs/benchmarks.md, "Data sets").
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


def main() -> None:
    configure_logging("WARNING", json=True)
    if len(sys.argv) != 2:
        sys.exit("usage: python -m benchmarks.nlu_chatops PATH/TO/chatops/dev.jsonl")
    path = Path(sys.argv[1])
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
