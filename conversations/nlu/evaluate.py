"""Measuring an intent predictor on labelled utterances (`bmad nlu eval`).

Why one scorer for both data sets: the chat-ops JSONL file and CLINC150 are judged by the
same figures (in-scope accuracy, out-of-scope recall and precision, per-language
accuracy, confusions, per-utterance latency), so numbers are comparable across them.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from conversations.nlu.catalog import OUT_OF_SCOPE

# Message length buckets (characters) for `by_length`: long pasted requests are judged apart.
LENGTH_BUCKETS: tuple[tuple[str, int, float], ...] = (
    ("<=80", 0, 80),
    ("81-300", 81, 300),
    (">300", 301, float("inf")),
)


class EvalRow(BaseModel):
    text: str = Field(min_length=1)
    intent: str = Field(min_length=1)
    lang: str | None = None


class EvalDataError(ValueError):
    """The evaluation file is not valid JSON lines of {text, intent, lang}."""


def load_jsonl(path: Path) -> list[EvalRow]:
    rows: list[EvalRow] = []
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rows.append(EvalRow.model_validate(json.loads(line)))
            except (json.JSONDecodeError, ValidationError) as err:
                raise EvalDataError(
                    f"{path}:{number}: not a {{text, intent, lang}} object"
                ) from err
    if not rows:
        raise EvalDataError(f"{path}: no utterances")
    return rows


def _percentile_ms(seconds: list[float], q: float) -> float:
    return round(float(np.percentile(np.array(seconds) * 1000.0, q)), 3) if seconds else 0.0


def score(
    rows: Iterable[EvalRow], predictions: list[str], oos_label: str = OUT_OF_SCOPE
) -> dict[str, Any]:
    """Accuracy figures for `predictions` (same order as `rows`)."""
    rows = list(rows)
    truth = [r.intent for r in rows]
    in_scope = [(t, p) for t, p in zip(truth, predictions, strict=True) if t != oos_label]
    oos_truth = [p for t, p in zip(truth, predictions, strict=True) if t == oos_label]
    predicted_oos = [t for t, p in zip(truth, predictions, strict=True) if p == oos_label]

    def ratio(hits: int, total: int) -> float | None:
        return round(hits / total, 4) if total else None

    by_lang: dict[str, dict[str, Any]] = {}
    for lang in sorted({r.lang or "?" for r in rows}):
        idx = [i for i, r in enumerate(rows) if (r.lang or "?") == lang]
        ins = [i for i in idx if truth[i] != oos_label]
        oos = [i for i in idx if truth[i] == oos_label]
        by_lang[lang] = {
            "n": len(idx),
            "accuracy": ratio(sum(truth[i] == predictions[i] for i in idx), len(idx)),
            "in_scope_accuracy": ratio(sum(truth[i] == predictions[i] for i in ins), len(ins)),
            "oos_recall": ratio(sum(predictions[i] == oos_label for i in oos), len(oos)),
        }
    by_length: dict[str, dict[str, Any]] = {}
    for bucket, low, high in LENGTH_BUCKETS:
        idx = [i for i, r in enumerate(rows) if low <= len(r.text) <= high]
        ins = [i for i in idx if truth[i] != oos_label]
        oos = [i for i in idx if truth[i] == oos_label]
        by_length[bucket] = {
            "n": len(idx),
            "n_in_scope": len(ins),
            "in_scope_accuracy": ratio(sum(truth[i] == predictions[i] for i in ins), len(ins)),
            "oos_recall": ratio(sum(predictions[i] == oos_label for i in oos), len(oos)),
        }
    confusions = Counter((t, p) for t, p in zip(truth, predictions, strict=True) if t != p)
    return {
        "n": len(rows),
        "n_in_scope": len(in_scope),
        "n_oos": len(oos_truth),
        "accuracy": ratio(sum(t == p for t, p in zip(truth, predictions, strict=True)), len(rows)),
        "in_scope_accuracy": ratio(sum(t == p for t, p in in_scope), len(in_scope)),
        "oos_recall": ratio(sum(p == oos_label for p in oos_truth), len(oos_truth)),
        "oos_precision": ratio(sum(t == oos_label for t in predicted_oos), len(predicted_oos)),
        "accuracy_by_lang": {lang: v["accuracy"] for lang, v in by_lang.items()},
        "by_lang": by_lang,
        "by_length": by_length,
        "top_confusions": [
            {"expected": t, "predicted": p, "count": c} for (t, p), c in confusions.most_common(10)
        ],
    }


def evaluate(
    rows: list[EvalRow], predict: Callable[[EvalRow], str], oos_label: str = OUT_OF_SCOPE
) -> dict[str, Any]:
    """Run `predict` on every row, one at a time (as in production), timing each call."""
    predictions: list[str] = []
    seconds: list[float] = []
    cpu_seconds: list[float] = []
    for row in rows:
        started, cpu_started = time.perf_counter(), time.thread_time()
        predictions.append(predict(row))
        cpu_seconds.append(time.thread_time() - cpu_started)
        seconds.append(time.perf_counter() - started)
    report = score(rows, predictions, oos_label)
    report["p50_ms"] = _percentile_ms(seconds, 50)
    report["p99_ms"] = _percentile_ms(seconds, 99)
    # CPU time of the predicting thread: on a shared, loaded machine wall-clock tails
    # mostly measure the scheduler; this shows what the classifier itself costs.
    report["cpu_p50_ms"] = _percentile_ms(cpu_seconds, 50)
    report["cpu_p99_ms"] = _percentile_ms(cpu_seconds, 99)
    return report
