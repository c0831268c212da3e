"""Thresholds and calibration: how confidence turns into decisions."""

from __future__ import annotations

import numpy as np
import pytest

from conversations.nlu.classifier import IntentClassifier, fit_temperature, softmax
from conversations.nlu.training import choose_threshold

CLASSES = ["deploy", "greet", "out_of_scope"]


def test_choose_threshold_stops_before_in_scope_accuracy_drops() -> None:
    # Six in-scope rows (right, confident 0.9 or 0.5) and four out-of-scope rows (0.3/0.45).
    probs = np.array(
        [
            [0.9, 0.05, 0.05],
            [0.05, 0.9, 0.05],
            [0.9, 0.05, 0.05],
            [0.5, 0.3, 0.2],
            [0.3, 0.5, 0.2],
            [0.9, 0.05, 0.05],
            [0.3, 0.3, 0.4],
            [0.45, 0.35, 0.2],
            [0.3, 0.45, 0.25],
            [0.2, 0.3, 0.5],
        ]
    )
    truth = ["deploy", "greet", "deploy", "deploy", "greet", "deploy"] + ["out_of_scope"] * 4
    th = choose_threshold(probs, CLASSES, truth, max_accuracy_loss=0.0)
    # Highest threshold that keeps all six in-scope answers: just at the 0.5 ones.
    assert th == pytest.approx(0.5)
    lenient = choose_threshold(probs, CLASSES, truth, max_accuracy_loss=0.4)
    assert lenient > th


def test_decide_applies_the_threshold(nlu_classifier: IntentClassifier) -> None:
    probs = np.zeros((2, len(nlu_classifier.classes)))
    deploy = nlu_classifier.classes.index("deploy")
    probs[0, deploy], probs[1, deploy] = 0.95, 0.2
    assert nlu_classifier.decide(probs, threshold=0.5) == ["deploy", "out_of_scope"]
    assert nlu_classifier.decide(probs, threshold=0.1) == ["deploy", "deploy"]


def test_probabilities_are_a_distribution(nlu_classifier: IntentClassifier) -> None:
    probs = nlu_classifier.probabilities(["deploy checkout to prod", "blub"])
    assert probs.shape == (2, len(nlu_classifier.classes))
    assert np.allclose(probs.sum(axis=1), 1.0)
    ranked = nlu_classifier.rank("deploy checkout to prod")
    assert ranked.top == "deploy" and ranked.scores == sorted(ranked.scores, reverse=True)


def test_trained_threshold_and_temperature_are_sane(nlu_classifier: IntentClassifier) -> None:
    assert 0.05 <= nlu_classifier.oos_threshold <= 0.6
    assert 0.02 <= nlu_classifier.temperature <= 2.0


def test_fit_temperature_prefers_sharper_scores_when_they_are_right() -> None:
    values = np.array([[2.0, 0.0], [0.0, 2.0]] * 20)
    truth = ["a", "b"] * 20
    assert fit_temperature(values, ["a", "b"], truth) < 0.1
    wrong = ["b", "a"] * 20  # always wrong: the flattest temperature wins
    assert fit_temperature(values, ["a", "b"], wrong) > 1.0
    assert np.allclose(softmax(values, 1.0).sum(axis=1), 1.0)
