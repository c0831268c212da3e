"""English or Dutch? Decided from function words, by conversation rather than by one word.

Why function words and not a model: chat-ops messages are short and full of shared jargon
("deploy checkout naar prod"), so content words say little about the language while the
small closed-class words ("de", "het", "naar", "the", "to") say a lot. A message without
any such evidence ("ok", "staging", "42") keeps the conversation's previous language, and
so does a message too short to switch on: one word ("stop", "nee", "thanks") or a single
piece of evidence never flips a conversation (people answer "ok"/"stop" in either
language). Code blocks, pasted logs, quotes, URLs and Slack markup are not the user's
language and are left out (`normalize.prose`).
"""

from __future__ import annotations

import re

from conversations.nlu.lexicon import words
from conversations.nlu.normalize import normalize_markup, prose
from conversations.nlu.types import Lang

DEFAULT_LANG: Lang = "en"
# Evidence needed to move a conversation to the other language.
SWITCH_EVIDENCE = 2.0

# Words that are (almost) only Dutch, or only English, in this kind of conversation.
_NL = words("language", "nl")
_EN = words("language", "en")
# Words in both lists above are dropped from both: they carry no evidence.
_SHARED = _NL & _EN
_NL_ONLY = _NL - _SHARED
_EN_ONLY = _EN - _SHARED

_WORD = re.compile(r"[a-zà-ÿ']+")
# Spelling patterns that betray Dutch content words the lists cannot enumerate.
_NL_SPELLING = re.compile(r"(ij|oe|aa|uu|sch|cht|eid|ijk|tje|jes)")


def _evidence(words: list[str]) -> tuple[float, float]:
    nl = float(sum(w in _NL_ONLY for w in words))
    en = float(sum(w in _EN_ONLY for w in words))
    # Weak tie-breaker: Dutch spelling in words neither list knows.
    unknown = [w for w in words if w not in _NL and w not in _EN and len(w) > 3]
    nl += 0.25 * sum(bool(_NL_SPELLING.search(w)) for w in unknown)
    return nl, en


def detect_language(text: str, previous: str | None = None) -> Lang:
    """ "en" or "nl" for this message in a conversation whose language was `previous`.

    Without a previous language, any evidence decides ("hoi" starts a Dutch conversation).
    With one, the other language must win by evidence of at least two words.
    """
    known = previous in ("en", "nl")
    fallback: Lang = "nl" if previous == "nl" else DEFAULT_LANG
    tokens = _WORD.findall(prose(normalize_markup(text)).lower())
    nl, en = _evidence(tokens)
    if nl == en or max(nl, en) < 1.0:
        return fallback
    winner: Lang = "nl" if nl > en else "en"
    if known and winner != previous and (len(tokens) < 2 or max(nl, en) < SWITCH_EVIDENCE):
        return fallback
    return winner
