"""The trained model is cached on disk by catalog hash and survives bad cache files."""

from __future__ import annotations

import joblib

from conversations.nlu.catalog import catalog_hash
from conversations.nlu.classifier import IntentClassifier
from conversations.nlu.training import MODEL_VERSION, load_or_train, model_path, save
from integrations.settings import Settings


def test_path_is_keyed_by_catalog_hash_and_version(nlu_settings: Settings) -> None:
    path = model_path(nlu_settings)
    assert catalog_hash() in path.name and f"v{MODEL_VERSION}" in path.name
    assert str(path).startswith(nlu_settings.data_dir)


def test_cached_model_is_loaded_not_retrained(
    nlu_settings: Settings, nlu_classifier: IntentClassifier
) -> None:
    path = model_path(nlu_settings)
    save(nlu_classifier, path)
    nlu_classifier_marker = nlu_classifier.oos_threshold
    loaded = load_or_train(nlu_settings)
    assert loaded is not nlu_classifier  # came from disk
    assert loaded.oos_threshold == nlu_classifier_marker
    assert loaded.train_seconds == nlu_classifier.train_seconds  # not a fresh training
    text = "schrijf releasenotes voor v2.1"
    assert loaded.rank(text).top == nlu_classifier.rank(text).top == "write_release_notes"
    assert not list(path.parent.glob(".tmp-*"))  # atomic write left no temp file


def test_unreadable_cache_is_replaced(nlu_settings: Settings) -> None:
    path = model_path(nlu_settings)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a model")
    model = load_or_train(nlu_settings)
    assert model.rank("hallo").top == "greet"
    assert isinstance(joblib.load(path), IntentClassifier)
