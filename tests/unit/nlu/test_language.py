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
        "hoi daar, alles goed",
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


# -- by conversation, not by one word (issue 11, point 7) ---------------------------------
@pytest.mark.parametrize("text", ["stop", "stop!", "Stop.", "go", "ok top", "annuleer", "nee"])
def test_one_word_keeps_an_english_conversation_english(text: str) -> None:
    assert detect_language(text, previous="en") == "en"


@pytest.mark.parametrize("text", ["stop", "cancel", "yes", "thanks", "help"])
def test_one_word_keeps_a_dutch_conversation_dutch(text: str) -> None:
    assert detect_language(text, previous="nl") == "nl"


def test_a_one_word_message_starts_a_conversation_in_its_language() -> None:
    assert detect_language("hoi") == "nl"
    assert detect_language("bedankt") == "nl"


CODE = """```python
def retry(fn, attempts=3):
    for i in range(attempts):
        try:
            return fn()
        except TimeoutError as err:
            last = err
    raise last
```"""


def test_code_blocks_are_ignored_for_detection() -> None:
    dutch = "Kun je deze code reviewen? Ik twijfel over de foutafhandeling.\n" + CODE
    assert detect_language(dutch, previous="en") == "nl"
    assert detect_language(dutch) == "nl"
    english = "can you review this, I am not sure about the error handling\n" + CODE
    assert detect_language(english, previous="nl") == "en"


def test_pasted_logs_and_inline_code_are_ignored_for_detection() -> None:
    text = (
        "Wat is er mis met deze job? `for the record: it is done`\n"
        "    at the handler (worker.js:12) it is not the one you want to be at\n"
        "> the upstream is down and it will not come back to us"
    )
    assert detect_language(text, previous="en") == "nl"
