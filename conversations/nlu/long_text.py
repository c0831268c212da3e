"""Reading a long message the way a person does: find the request, ignore the paste.

Why: a realistic request is often one sentence ("can you triage this?") followed by
hundreds of lines of logs, a diff or notes. Scored as one bag of words, the pasted
material dilutes the request until the confidence falls below the out-of-scope threshold
(0.52 at 400 characters, 0.21 at 5,000). So a long message is read as its sentences
(prose only: `normalize.prose`): each is scored, a sentence phrased as a request ("can
you", "kun je", "please", a question mark) or standing at the opening counts more, and
the best-scoring sentence decides, its score not diluted by the message's length
(weights tuned on `benchmarks/data/realistic/tune.jsonl` only, never on the held-out half). Short
messages (the vast majority) are classified as a whole, exactly as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from conversations.nlu.lexicon import words
from conversations.nlu.normalize import has_material, pasted_lines, prose, sentences

SHORT = 160  # characters; shorter messages without pasted material are read whole
MAX_SENTENCES = 12  # the request is near the top; later sentences are context
OPENING_MIN_WORDS = 3  # "Hi team," or "Quick one:" alone is not an opening request
OPENING_WEIGHT = 1.15
REQUEST_WEIGHT = 1.35
SHORT_SENTENCE_WORDS = 5  # "What should I do?" says little about what is asked
SHORT_SENTENCE_WEIGHT = 0.7
PROSE_WEIGHT = 1.2  # all the prose together: best when the request spans sentences
DECAY = 0.05  # later sentences count a little less: the request is usually near the top
PROSE_LIMIT = 2000
# Pasted errors under a question that says little ("any idea what is going on?"): the
# paste is what is asked about, so its lines compete too, a little below a request.
TERSE_PROSE_WORDS = 12
PASTED_WEIGHT = 0.9
PASTED_LIMIT = 600
SURE_PROSE = 0.8  # a terse question this sure of its intent is not outvoted by the paste


@dataclass
class Reading:
    """The views of a message that are scored: `texts[0]` is the message (or its prose
    without pasted material), `texts[1:]` its sentences, the opening first; each with
    the weight its top probability gets when they compete."""

    texts: list[str]
    weights: list[float]
    pasted: int | None = None  # the row of the pasted lines, when they compete

    @property
    def whole(self) -> bool:
        return len(self.texts) == 1


@lru_cache(maxsize=1)
def _request_cues() -> re.Pattern[str]:
    phrases = sorted(words("request_cues", "en") | words("request_cues", "nl"), key=len)
    joined = "|".join(re.escape(p).replace("_", r"\s+") for p in reversed(phrases))
    return re.compile(rf"(?:^|\b)(?:{joined})\b|\?\s*$", re.I)


def read(text: str) -> Reading:
    if len(text) <= SHORT and not has_material(text):
        return Reading([text], [1.0])
    body = prose(text)
    parts = sentences(body)
    if not parts:  # only code or logs: nothing better to read than the text itself
        return Reading([text], [1.0])
    opening, rest = _opening(parts)
    candidates = [opening, *rest][:MAX_SENTENCES]
    weights = [
        (OPENING_WEIGHT if i == 0 else 1.0 - DECAY * i)
        * (REQUEST_WEIGHT if _request_cues().search(s) else 1.0)
        * (SHORT_SENTENCE_WEIGHT if i and len(s.split()) < SHORT_SENTENCE_WORDS else 1.0)
        for i, s in enumerate(candidates)
    ]
    texts = [body[:PROSE_LIMIT], *candidates]
    weights = [PROSE_WEIGHT, *weights]
    pasted = pasted_lines(text) if len(body.split()) <= TERSE_PROSE_WORDS else ""
    if not pasted:
        return Reading(texts, weights)
    return Reading([*texts, pasted[:PASTED_LIMIT]], [*weights, PASTED_WEIGHT], len(texts))


def _opening(parts: list[str]) -> tuple[str, list[str]]:
    """The first sentence of at least `OPENING_MIN_WORDS` words (with any shorter ones
    before it, such as a greeting), and the rest."""
    taken: list[str] = []
    for i, part in enumerate(parts):
        taken.append(part)
        if len(part.split()) >= OPENING_MIN_WORDS:
            return " ".join(taken), parts[i + 1 :]
    return " ".join(taken), []


def choose(
    reading: Reading,
    probabilities: np.ndarray,
    generic: frozenset[int] = frozenset(),
    out_of_scope: int | None = None,
) -> int:
    """The row whose reading decides: the candidate sentence with the best weighted top
    probability, whatever its label (a near-miss question stays out of scope even when
    the context around it mentions a service that is down).

    A terse question over pasted error lines that only asks for help in general
    (`generic` columns: "what should we do?"), or that the classifier is unsure of ("any
    idea what is going on?"), is about those lines: the pasted row decides then."""
    if reading.whole:
        return 0
    scores = probabilities.max(axis=1) * np.asarray(reading.weights)
    best = int(scores.argmax())
    if reading.pasted is None or best == reading.pasted:
        return best
    chosen, pasted = probabilities[best], probabilities[reading.pasted]
    label = int(chosen.argmax())
    if label == out_of_scope:
        return best
    unsure = chosen.max() < SURE_PROSE < pasted.max()
    return reading.pasted if label in generic or unsure else best
