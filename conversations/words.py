"""The dialogue's word lists (yes / no / abandon / correction / reference), loaded from
`dialogue_words.yaml`, and the small matchers over them."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import BaseModel

WORDS_FILE = Path(__file__).with_name("dialogue_words.yaml")
_NON_WORD = re.compile(r"[^\w\s']+", re.UNICODE)
# Short answers only: "yes please do it now" still counts, a full sentence does not.
MAX_ANSWER_WORDS = 4


class WordLists(BaseModel):
    yes: dict[str, list[str]]
    no: dict[str, list[str]]
    abandon: dict[str, list[str]]
    correction: dict[str, list[str]]
    reference: dict[str, list[str]]
    ordinals: dict[str, list[str]]


@lru_cache(maxsize=1)
def word_lists() -> WordLists:
    return WordLists.model_validate(yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")))


def normalize(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def _all(lists: dict[str, list[str]]) -> list[str]:
    """Every language's phrases: a Dutch user may still type "ok" or "yes"."""
    phrases = {normalize(p) for words in lists.values() for p in words}
    return sorted(phrases, key=len, reverse=True)


def _starts_with(text: str, phrase: str) -> bool:
    return text == phrase or text.startswith(phrase + " ")


def _short_answer(text: str, lists: dict[str, list[str]]) -> bool:
    norm = normalize(text)
    if not norm or len(norm.split()) > MAX_ANSWER_WORDS:
        return False
    return any(_starts_with(norm, p) for p in _all(lists))


def is_yes(text: str) -> bool:
    return _short_answer(text, word_lists().yes) and not is_no(text)


def is_no(text: str) -> bool:
    return _short_answer(text, word_lists().no)


def is_abandon(text: str) -> bool:
    norm = normalize(text)
    return any(_starts_with(norm, p) for p in _all(word_lists().abandon))


def correction_rest(text: str) -> str | None:
    """For "no, I meant staging" the corrected part ("staging"); None if not a correction."""
    norm = normalize(text)
    for phrase in _all(word_lists().correction):
        if _starts_with(norm, phrase):
            rest = norm[len(phrase) :].strip()
            return rest or None
    return None


def refers_back(text: str) -> bool:
    tokens = f" {normalize(text)} "
    return any(f" {normalize(p)} " in tokens for p in _all(word_lists().reference))


def ordinal(text: str) -> int | None:
    """1-based position named in an answer: "2", "the second one", "de tweede"."""
    norm = normalize(text)
    if norm.isdigit():  # only a bare number: "review PR 2" names no option
        return int(norm)
    tokens = norm.split()
    for words in word_lists().ordinals.values():
        for position, word in enumerate(words, start=1):
            if word in tokens:
                return position
    return None
