"""The numpy MiniLM gives the vectors sentence-transformers gives, and the classifier
can use them (BMAD_NLU_ENCODER=minilm)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from conversations.nlu.catalog import load_catalog
from conversations.nlu.classifier import ClassifierConfig, IntentClassifier
from conversations.nlu.encoder import encoder_available, shared_encoder
from conversations.nlu.training import classifier_config, model_path
from integrations.settings import Settings

REFERENCE = Path(__file__).with_name("data") / "minilm_reference.json"

pytestmark = pytest.mark.skipif(
    not encoder_available(), reason="requirements-encoder.lock is not installed"
)


def test_vectors_match_sentence_transformers() -> None:
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.asarray(reference["vectors"], dtype=np.float32)
    encoder = shared_encoder()
    one_by_one = np.stack([encoder.encode_one(t) for t in reference["texts"]])
    batched = encoder.encode(reference["texts"])
    assert np.abs(one_by_one - expected).max() < 1e-5
    assert np.abs(batched - expected).max() < 1e-5
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)


def test_similar_sentences_are_close_and_others_are_not() -> None:
    encoder = shared_encoder()
    reset, forgot, weather = encoder.encode(
        ["how do I reset my password", "I forgot my password", "what's the weather like"]
    )
    assert reset @ forgot > 0.6
    assert reset @ weather < 0.2


def test_the_classifier_learns_with_the_encoder() -> None:
    rows = load_catalog().training_data()
    texts = [t for t, _, _ in rows]
    labels = [intent for _, intent, _ in rows]
    model = IntentClassifier(ClassifierConfig(encoder="minilm")).fit(texts, labels)
    assert model.config.encoder == "minilm"
    assert "encoder" in dict(model._trained().named_steps["features"].transformer_list)
    # Phrasings that are not in the catalog.
    assert model.rank("could you push the billing service out to prod").top == "deploy"
    assert model.rank("please put together a changelog for 4.2").top == "write_release_notes"


def test_the_setting_picks_the_design_and_its_own_cached_file(tmp_path: Path) -> None:
    plain = Settings(data_dir=str(tmp_path))
    with_encoder = plain.model_copy(update={"nlu_encoder": "minilm"})
    assert classifier_config(with_encoder).encoder == "minilm"
    assert classifier_config(plain).encoder == ""
    assert model_path(with_encoder) != model_path(plain)
    assert "-minilm-" in model_path(with_encoder).name
