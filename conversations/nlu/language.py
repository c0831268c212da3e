"""English or Dutch? Decided per message from function words, sticky for short replies.

Why function words and not a model: chat-ops messages are short and full of shared jargon
("deploy checkout naar prod"), so content words say little about the language while the
small closed-class words ("de", "het", "naar", "the", "to") say a lot. A message without
any such evidence ("ok", "staging", "42") keeps the conversation's previous language.
"""

from __future__ import annotations

import re

from conversations.nlu.lexicon import words
from conversations.nlu.types import Lang

DEFAULT_LANG: Lang = "en"

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


def _evidence(text: str) -> tuple[float, float]:
    words = _WORD.findall(text.lower())
    nl = float(sum(w in _NL_ONLY for w in words))
    en = float(sum(w in _EN_ONLY for w in words))
    # Weak tie-breaker: Dutch spelling in words neither list knows.
    unknown = [w for w in words if w not in _NL and w not in _EN and len(w) > 3]
    nl += 0.25 * sum(bool(_NL_SPELLING.search(w)) for w in unknown)
    return nl, en


def detect_language(text: str, previous: str | None = None) -> Lang:
    """ "en" or "nl" for this message; `previous` (or English) when the text says nothing."""
    fallback: Lang = "nl" if previous == "nl" else "en" if previous == "en" else DEFAULT_LANG
    nl, en = _evidence(text)
    if nl == en or max(nl, en) < 1.0:
        return fallback
    return "nl" if nl > en else "en"
