"""Is this message only a thank-you or a nod ("thanks!", "dank je wel", "sounds good")?

Why a word list and not the classifier: a thank-you is closed-class and short, and it
must never be mistaken for a request (nor get the capability list). A message counts
only when every word is a thanks or filler word of `lexicon.yaml` and one is a thanks
word; "thanks! now deploy checkout" is a request.
"""

from __future__ import annotations

import re

from conversations.nlu.lexicon import words
from conversations.nlu.normalize import normalize_markup

MAX_WORDS = 8
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def is_acknowledgement(text: str) -> bool:
    tokens = _tokens(text)
    if not tokens or len(tokens) > MAX_WORDS:
        return False
    cues = words("acknowledgement", "thanks") | words("acknowledgement", "agree")
    allowed = cues | words("acknowledgement", "filler")
    return any(t in cues for t in tokens) and all(t in allowed for t in tokens)


def thanks(text: str) -> bool:
    """An acknowledgement that thanks ("cheers!"), not only a nod ("sounds good")."""
    return any(t in words("acknowledgement", "thanks") for t in _tokens(text))


def _tokens(text: str) -> list[str]:
    return _WORD.findall(normalize_markup(text).lower())
