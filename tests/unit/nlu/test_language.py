"""Language detection: decided by evidence, sticky for messages without any."""

from __future__ import annotations

import pytest

from conversations.nlu.language import detect_language


@pytest.mark.parametrize(
    "text",
    [
        "deploy checkout naar productie",
        "kun je een user story schrijven over donkere modus",
        "wat is de status van run 42",
        "hoi",
        "zet de nieuwe versie op staging graag",
    ],
)
def test_dutch(text: str) -> None:
    assert detect_language(text) == "nl"
    assert detect_language(text, previous="en") == "nl"


@pytest.mark.parametrize(
    "text",
    [
        "deploy checkout to production",
        "can you write a user story about dark mode",
        "what's the status of run 42",
        "hello there",
        "please cancel the workflow",
    ],
)
def test_english(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, previous="nl") == "en"


@pytest.mark.parametrize("text", ["ok", "staging", "42", "checkout", "#17", "", "v2.3.1", "👍"])
def test_no_evidence_keeps_the_previous_language(text: str) -> None:
    assert detect_language(text, previous="nl") == "nl"
    assert detect_language(text, previous="en") == "en"
    assert detect_language(text) == "en"


def test_unknown_previous_falls_back_to_english() -> None:
    assert detect_language("ok", previous="de") == "en"
