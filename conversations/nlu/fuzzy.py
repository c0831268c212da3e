"""Typo tolerance: "deploi chekout to stagin" is understood as "deploy checkout to staging".

Why difflib and a small target list: the words whose typos cost a turn are few (the
command and environment words of `lexicon.yaml`'s `fuzzy_targets`, the environment
aliases, and the operator's `known_services`), and a word the classifier already knows is
never "corrected". The standard library's ratio (>= 0.8) accepts one slip in a word of
five or more letters and nothing looser, so ordinary words are left alone.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Iterable
from functools import lru_cache

from conversations.nlu.lexicon import words

CUTOFF = 0.8
MIN_LENGTH = 5
_TOKEN = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ-]*")


@lru_cache(maxsize=1)
def default_targets() -> tuple[str, ...]:
    from conversations.nlu.extract import ENVIRONMENT_WORDS

    return tuple(sorted(words("fuzzy_targets") | {w for w in ENVIRONMENT_WORDS if len(w) >= 4}))


@lru_cache(maxsize=1)
def _lexicon_words() -> frozenset[str]:
    return (
        words("language", "nl")
        | words("language", "en")
        | words("not_service")
        | words("generic_subject")
        | words("acknowledgement", "thanks")
        | words("acknowledgement", "filler")
    )


def closest(word: str, targets: Iterable[str], cutoff: float = CUTOFF) -> str | None:
    """The target closest to `word` when it is close enough, else None."""
    return _closest(word.lower(), tuple(targets), cutoff)


@lru_cache(maxsize=4096)
def _closest(word: str, targets: tuple[str, ...], cutoff: float) -> str | None:
    # Cached: pasted logs repeat the same unknown words, and difflib is not free.
    found = difflib.get_close_matches(word, targets, n=1, cutoff=cutoff)
    return found[0] if found else None


def correct_typos(text: str, known: Collection[str], targets: Iterable[str] | None = None) -> str:
    """`text` with misspelt target words corrected; `known` words are never touched."""
    pool = tuple(targets) if targets is not None else default_targets()
    lexicon = _lexicon_words()

    def fix(m: re.Match[str]) -> str:
        word = m.group(0)
        lower = word.lower()
        if len(lower) < MIN_LENGTH or lower in known or lower in lexicon:
            return word
        return closest(lower, pool) or word

    return _TOKEN.sub(fix, text)


def snap_service(name: str, known_services: Iterable[str]) -> str:
    """A service name as the operator spells it ("order-api" -> "orders-api"), or as
    given when no known name is close."""
    services = [s.lower() for s in known_services]
    if not services or name.lower() in services:
        return name
    return closest(name, services) or name
