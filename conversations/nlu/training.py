"""Training the classifier from the catalog, choosing its out-of-scope threshold, caching it.

Why cache on disk keyed by the catalog hash: training takes seconds, and every process
(web replicas, workers, the console, tests) would otherwise pay it at start. A changed
catalog (or classifier design, `MODEL_VERSION`) gets a new file name, so a stale model is
never loaded. Models are unpickled only from the operator's `settings.data_dir`, where
this code writes them.

Why the threshold comes from cross-validation: out-of-scope messages in real use are
mostly unlike any training example. Held-out folds of the catalog (its own out-of-scope
examples included) imitate that, so the threshold is picked without touching the dev or
test sets that judge the result.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.model_selection import StratifiedKFold

from conversations.nlu.catalog import OUT_OF_SCOPE, Catalog, catalog_hash, load_catalog
from conversations.nlu.classifier import (
    ClassifierConfig,
    IntentClassifier,
    fit_temperature,
    softmax,
)
from integrations.observability.logging import get_logger
from integrations.settings import Settings

MODEL_VERSION = "1"
THRESHOLD_GRID = np.round(np.arange(0.05, 0.90, 0.01), 2)
MAX_ACCURACY_LOSS = 0.015
log = get_logger(__name__)


def choose_threshold(
    probabilities: np.ndarray,
    classes: Sequence[str],
    truth: Sequence[str],
    *,
    oos_label: str = OUT_OF_SCOPE,
    max_accuracy_loss: float = MAX_ACCURACY_LOSS,
) -> float:
    """The highest threshold on the top probability that costs little in-scope accuracy.

    Every step up catches more out-of-scope messages and rejects more good ones; we stop
    where in-scope accuracy would fall more than `max_accuracy_loss` below its value
    without a threshold (wrongly refusing a real request costs a user more than one
    clarifying reply about an odd message; the LLM router, when configured, reviews the
    uncertain band anyway).
    """
    classes_arr = np.array(classes, dtype=object)
    truth_arr = np.array(truth, dtype=object)
    in_scope = truth_arr != oos_label
    top = classes_arr[probabilities.argmax(axis=1)]
    conf = probabilities.max(axis=1)

    def accuracy(th: float) -> float:
        pred = np.where(conf < th, oos_label, top)
        return float((pred[in_scope] == truth_arr[in_scope]).mean()) if in_scope.any() else 0.0

    floor = accuracy(0.0) - max_accuracy_loss
    chosen = float(THRESHOLD_GRID[0])
    for th in THRESHOLD_GRID:
        if accuracy(float(th)) < floor:
            break
        chosen = float(th)
    return chosen


def cross_validated_calibration(
    texts: Sequence[str], labels: Sequence[str], config: ClassifierConfig, folds: int = 4
) -> tuple[float, float]:
    """(temperature, oos threshold) fitted on held-out folds of the training data."""
    texts_arr, labels_arr = np.array(texts, dtype=object), np.array(labels, dtype=object)
    values: list[np.ndarray] = []
    truth: list[str] = []
    classes: list[str] | None = None
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=13)
    for train_idx, test_idx in splitter.split(texts_arr, labels_arr):
        model = IntentClassifier(replace(config)).fit(
            list(texts_arr[train_idx]), list(labels_arr[train_idx])
        )
        classes = model.classes
        values.append(model.decision_values(list(texts_arr[test_idx])))
        truth.extend(labels_arr[test_idx])
    if classes is None:
        raise ValueError("calibration needs at least one fold")
    stacked = np.vstack(values)
    temperature = fit_temperature(stacked, classes, truth)
    threshold = choose_threshold(softmax(stacked, temperature), classes, truth)
    return temperature, threshold


def train_from_catalog(
    catalog: Catalog | None = None, config: ClassifierConfig | None = None
) -> IntentClassifier:
    started = time.perf_counter()
    catalog = catalog or load_catalog()
    config = config or ClassifierConfig()
    rows = catalog.training_data()
    texts = [t for t, _, _ in rows]
    labels = [intent for _, intent, _ in rows]
    temperature, threshold = cross_validated_calibration(texts, labels, config)
    model = IntentClassifier(
        config, oos_label=OUT_OF_SCOPE, oos_threshold=threshold, temperature=temperature
    )
    model.fit(texts, labels)
    model.train_seconds = time.perf_counter() - started  # calibration folds included
    log.info(
        "nlu_model_trained",
        examples=len(texts),
        oos_threshold=threshold,
        temperature=round(temperature, 3),
        embeddings=model.config.embeddings,
        encoder=model.config.encoder or None,
        train_seconds=round(model.train_seconds, 2),
    )
    return model


def model_path(settings: Settings) -> Path:
    """BMAD_MODEL_DIR (shared by replicas; default `<data_dir>/nlu`). The name carries the
    catalog hash, our model version and scikit-learn's version: a model trained for another
    catalog or library is never loaded, the right one is trained instead."""
    folder = Path(settings.model_dir) if settings.model_dir else Path(settings.data_dir) / "nlu"
    design = f"v{MODEL_VERSION}" + (f"-{settings.nlu_encoder}" if settings.nlu_encoder else "")
    name = f"intent-model-{catalog_hash()}-{design}-sk{sklearn.__version__}.joblib"
    return folder / name


def classifier_config(settings: Settings) -> ClassifierConfig:
    """The classifier design the settings ask for (the optional sentence encoder)."""
    return ClassifierConfig(encoder=settings.nlu_encoder)


def load_or_train(settings: Settings) -> IntentClassifier:
    """The cached model for this catalog, trained and saved first if there is none."""
    path = model_path(settings)
    if path.exists():
        try:
            model = joblib.load(path)
            if isinstance(model, IntentClassifier):
                return model
        except Exception as err:  # a truncated or foreign file: retrain, do not crash
            log.warning("nlu_model_cache_unreadable", path=str(path), error=type(err).__name__)
    model = train_from_catalog(config=classifier_config(settings))
    save(model, path)
    return model


def save(model: IntentClassifier, path: Path) -> None:
    """Write atomically, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".joblib")
    try:
        with os.fdopen(fd, "wb") as fh:
            joblib.dump(model, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
