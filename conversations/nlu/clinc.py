"""CLINC150 benchmark of the classifier design (`bmad nlu eval --clinc150 PATH`).

Why: the chat-ops catalog is small and ours; CLINC150 (Larson et al., 2019: 150 intents,
out-of-scope queries) is a public yardstick for the same design. Protocol: train on
`train` + `oos_train`; fit the temperature and pick ONE out-of-scope threshold on `val` +
`oos_val` with the same rule the catalog model uses; report on `test` + `oos_test`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from conversations.nlu.classifier import ClassifierConfig, IntentClassifier, fit_temperature
from conversations.nlu.evaluate import EvalRow, evaluate, score
from conversations.nlu.training import choose_threshold

CLINC_OOS = "oos"
CURVE_THRESHOLDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


class ClincDataError(ValueError):
    """The file is not CLINC150's data_full.json layout."""


def load_clinc(path: Path) -> dict[str, list[tuple[str, str]]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        splits = {
            name: [(str(text), str(label)) for text, label in data[name]]
            for name in ("train", "oos_train", "val", "oos_val", "test", "oos_test")
        }
    except (OSError, json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise ClincDataError(f"{path}: not a CLINC150 data_full.json ({err})") from err
    return splits


def _rows(pairs: list[tuple[str, str]]) -> list[EvalRow]:
    return [EvalRow(text=t, intent=label, lang="en") for t, label in pairs]


def run_clinc(path: Path, config: ClassifierConfig | None = None) -> dict[str, Any]:
    splits = load_clinc(path)
    train = splits["train"] + splits["oos_train"]
    val = splits["val"] + splits["oos_val"]
    test = splits["test"] + splits["oos_test"]

    started = time.perf_counter()
    model = IntentClassifier(config or ClassifierConfig(), oos_label=CLINC_OOS)
    model.fit([t for t, _ in train], [label for _, label in train])
    train_seconds = time.perf_counter() - started

    val_values = model.decision_values([t for t, _ in val])
    val_truth = [label for _, label in val]
    model.temperature = fit_temperature(val_values, model.classes, val_truth)
    val_probs = model.probabilities([t for t, _ in val])
    model.oos_threshold = choose_threshold(val_probs, model.classes, val_truth, oos_label=CLINC_OOS)

    rows = _rows(test)
    report = evaluate(rows, lambda row: model.decide(model.probabilities([row.text]))[0], CLINC_OOS)
    test_probs = model.probabilities([r.text for r in rows])
    curve = []
    for th in CURVE_THRESHOLDS:
        figures = score(rows, model.decide(test_probs, th), CLINC_OOS)
        curve.append(
            {
                "threshold": th,
                "in_scope_accuracy": figures["in_scope_accuracy"],
                "oos_recall": figures["oos_recall"],
            }
        )
    val_figures = score(_rows(val), model.decide(val_probs), CLINC_OOS)
    report.update(
        {
            "dataset": "clinc150",
            "train_seconds": round(train_seconds, 2),
            "threshold": model.oos_threshold,
            "temperature": round(model.temperature, 4),
            "embeddings": model.config.embeddings,
            "val_in_scope_accuracy": val_figures["in_scope_accuracy"],
            "val_oos_recall": val_figures["oos_recall"],
            "curve": curve,
        }
    )
    report["top_confusions"] = report["top_confusions"][:5]
    return report
