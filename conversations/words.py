"""The dialogue's word lists (yes / no / abandon / correction / reference), loaded from
`dialogue_words.yaml`, and the small matchers over them."""

from __future__ import annotations

import difflib
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
    approval: dict[str, list[str]]
    abandon_bare: dict[str, list[str]]
    filler: dict[str, list[str]]
    hesitation: dict[str, list[str]]
    correction: dict[str, list[str]]
    correction_tail: dict[str, list[str]]
    correction_lead: dict[str, list[str]]
    correction_frame: dict[str, list[str]]
    contrast_not: dict[str, list[str]]
    contrast_but: dict[str, list[str]]
    reference: dict[str, list[str]]
    reference_nouns: dict[str, list[str]]
    other_reference: dict[str, list[str]]
    ordinals: dict[str, list[str]]
    request_verbs: dict[str, dict[str, list[str]]]
    elision: dict[str, list[str]]
    openers: dict[str, list[str]]
    named_workflow: dict[str, list[str]]
    input_joiner: list[str]
    question_openers: dict[str, list[str]]
    hold: dict[str, list[str]]
    both_runs: dict[str, list[str]]
    every_run: dict[str, list[str]]
    reason_cue: dict[str, list[str]]
    reason_lead: dict[str, list[str]]
    rejection: dict[str, list[str]]
    decided_approved: dict[str, list[str]]
    decided_rejected: dict[str, list[str]]


@lru_cache(maxsize=1)
def word_lists() -> WordLists:
    return WordLists.model_validate(yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")))


# A misspelt verb phrase still counts as one: the standard library's ratio (as for typos in
# `conversations/nlu/fuzzy.py`) on words of at least three letters.
FUZZY_RATIO = 0.8
FUZZY_MIN_LETTERS = 3


def normalize(text: str) -> str:
    return " ".join(_NON_WORD.sub(" ", text.lower()).split())


def _all(lists: dict[str, list[str]]) -> list[str]:
    """Every language's phrases: a Dutch user may still type "ok" or "yes"."""
    key = id(lists)
    cached = _ALL_CACHE.get(key)
    if cached is None or cached[0] is not lists:
        phrases = {normalize(p) for words in lists.values() for p in words}
        cached = (lists, sorted(phrases, key=len, reverse=True))
        _ALL_CACHE[key] = cached
    return cached[1]


# Normalised, longest-first phrases per word list (the lists are loaded once per process).
_ALL_CACHE: dict[int, tuple[dict[str, list[str]], list[str]]] = {}


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


def _only_filler(rest: str) -> bool:
    fillers = _all(word_lists().filler)
    while rest:
        phrase = next((p for p in fillers if _starts_with(rest, p)), None)
        if phrase is None:
            return False
        rest = rest[len(phrase) :].strip()
    return True


def says_nothing(text: str) -> bool:
    """Only filler, hesitation, interjections, no's and never-minds ("wait", "sorry",
    "toch maar niet"): what follows a "no" or "actually" that names no value."""
    lists = word_lists()
    norm = normalize(text)
    kinds = (lists.filler, lists.hesitation, lists.correction_lead, lists.no, lists.abandon)
    return not norm or _made_of(norm, [p for kind in kinds for p in _all(kind)])


def only_abandon(text: str) -> bool:
    """ "never mind", "laat maar" and nothing else (not the bare commands "cancel"/"stop",
    which name runs to cancel when nothing is asked)."""
    norm = normalize(text)
    return any(
        _starts_with(norm, p) and _only_filler(norm[len(p) :].strip())
        for p in _all(word_lists().abandon)
    )


def abandon_rest(text: str) -> str | None:
    """For an abandon ("never mind, deploy search") what follows it ("deploy search",
    "" when nothing does); None when the message is not an abandon."""
    norm = normalize(text)
    for phrase in _all(word_lists().abandon):
        if _starts_with(norm, phrase):
            rest = norm[len(phrase) :].strip()
            return "" if _only_filler(rest) else _rest_of(text, phrase)
    for phrase in _all(word_lists().abandon_bare):
        if _starts_with(norm, phrase) and _only_filler(norm[len(phrase) :].strip()):
            return ""
    return None


def yes_and_rest(text: str) -> tuple[str, str] | None:
    """ "yes, and also write the release notes" -> ("yes", "write the release notes"): a
    yes that goes on with another request (after "and", "and also", "en ook")."""
    norm = normalize(text)
    lists = word_lists()
    for phrase in sorted(_all(lists.yes), key=len, reverse=True):
        if not _starts_with(norm, phrase) or norm == phrase:
            continue
        after = _rest_of(text, phrase)
        rest = elision_rest(after)
        if rest and not is_no(phrase):
            return phrase, rest
        return None
    return None


def is_bare_yes_no(text: str) -> bool:
    """Only a yes or a no ("yes", "ja hoor", "no thanks", "ok please"), nothing more."""
    norm = normalize(text)
    lists = word_lists()
    for phrase in [*_all(lists.yes), *_all(lists.no)]:
        if _starts_with(norm, phrase) and _only_filler(norm[len(phrase) :].strip()):
            return True
    return False


def is_plain_no(text: str) -> bool:
    """A no that names nothing else ("no sorry", "nee, toch maar niet"; not "no, staging")."""
    return is_no(text) and no_rest(text) is None


def is_hesitation(text: str) -> bool:
    """ "hmm, let me think": nothing but hesitation (and filler)."""
    norm = normalize(text)
    phrases = sorted({*_all(word_lists().hesitation), *_all(word_lists().filler)}, key=len)
    phrases.reverse()
    if not norm:
        return False
    while norm:
        phrase = next((p for p in phrases if _starts_with(norm, p)), None)
        if phrase is None:
            return False
        norm = norm[len(phrase) :].strip()
    return True


def asks_or_holds(text: str) -> bool:
    """A question about a run ("what needs my approval?", "is die al goedgekeurd?") or a
    hold ("nog niet goedkeuren"), not a command to approve, reject or cancel it. "can you
    approve run 5?" is a request: it opens with a request opener."""
    norm = normalize(text)
    if strip_openers(text) != norm:
        return False
    padded = f" {norm} "
    if any(f" {phrase} " in padded for phrase in _all(word_lists().hold)):
        return True
    opens = any(_starts_with(norm, p) for p in _all(word_lists().question_openers))
    return opens or text.rstrip().endswith("?")


def names_approval(text: str) -> bool:
    """Does the message say "approve" in so many words (any language's approval phrase,
    anywhere in it)? Only then may chat approve a waiting run."""
    return _says_any(text, _all(word_lists().approval))


def _says_any(text: str, phrases: list[str]) -> bool:
    """Is one of these (normalised) phrases in the message, as whole words?"""
    norm = f" {normalize(text)} "
    return any(f" {phrase} " in norm for phrase in phrases)


def means_every_run(text: str, meant: int) -> bool:
    """Does the message decide every one of the `meant` runs ("approve both" with two,
    "reject all of them" with any number)?"""
    lists = word_lists()
    phrases = _all(lists.every_run) + (_all(lists.both_runs) if meant == 2 else [])
    return meant > 1 and _says_any(text, phrases)


_REASON_MARK = re.compile(r"\s*(?:[,:;]|\s[-\u2013\u2014]\s)\s*")
_RUN_REFERENCE = re.compile(r"^(?:the\s+|de\s+|het\s+)?(?:run\s*)?#?\d+$", re.I)


def decision_reason(text: str) -> str | None:
    """The reason a rejection gives, in the user's words: after "because" / "omdat", from
    "due to" / "niet tijdens", or after a comma, colon or dash that follows the rejection
    itself ("no, reject it" has none); None when nothing but filler or a run is left."""
    lists = word_lists()
    rejected = _phrase_end(text, _all(lists.rejection)) or 0
    starts = [m.end() for m in _REASON_MARK.finditer(text) if m.start() >= rejected]
    cued = _phrase_end(text[rejected:], _all(lists.reason_cue))
    if cued is not None:
        starts.append(rejected + cued)
    led = _phrase_start(text[rejected:], _all(lists.reason_lead))
    if led is not None:
        starts.append(rejected + led)
    for start in sorted(starts):
        rest = text[start:].strip(" \t,.;:!?-\u2013\u2014")
        if rest and not only_filler(rest) and not _RUN_REFERENCE.match(rest):
            return rest
    return None


def _phrase_end(text: str, phrases: list[str]) -> int | None:
    """Where the first of `phrases` (whole words, any case) ends in `text`."""
    found = [m.end() for p in phrases for m in [_phrase_match(text, p)] if m is not None]
    return min(found) if found else None


def _phrase_start(text: str, phrases: list[str]) -> int | None:
    found = [m.start() for p in phrases for m in [_phrase_match(text, p)] if m is not None]
    return min(found) if found else None


def _phrase_match(text: str, phrase: str) -> re.Match[str] | None:
    words_ = r"\s+".join(map(re.escape, phrase.split()))
    return re.search(rf"(?<![\w']){words_}(?![\w'])", text, re.I)


def named_decision(text: str) -> str | None:
    """ "approved" / "rejected" when the message speaks of a decision taken ("why was it
    rejected?"), else None."""
    lists = word_lists()
    for verdict, phrases in (
        ("rejected", lists.decided_rejected),
        ("approved", lists.decided_approved),
    ):
        if _says_any(text, _all(phrases)):
            return verdict
    return None


def is_abandon(text: str) -> bool:
    return abandon_rest(text) is not None


def _rest_of(text: str, phrase: str) -> str:
    """The original text after a leading phrase (case, code and punctuation kept)."""
    words_in_phrase = len(phrase.split())
    consumed = 0
    for token in re.finditer(r"\S+", text):
        consumed += len(normalize(token.group()).split())
        if consumed >= words_in_phrase:
            return text[token.end() :].lstrip(" ,;:.!-\u2013\u2014").strip()
    return ""


def strip_openers(text: str) -> str:
    """Drop opening politeness ("please", "kun je", "actually") from a message."""
    norm = normalize(text)
    changed = True
    while changed and norm:
        changed = False
        for phrase in _all(word_lists().openers):
            if _starts_with(norm, phrase):
                norm = norm[len(phrase) :].strip()
                changed = True
                break
    return norm


def request_verb_intents(text: str) -> set[str]:
    """The intents whose verb phrase opens this message ("write a security review ...",
    also misspelt: "schrijf een usr stroy")."""
    opening = strip_openers(text).split()
    return {
        intent
        for intent, phrases in word_lists().request_verbs.items()
        if any(_opens_with_typos(opening, p.split()) for p in _all(phrases))
    }


def _opens_with_typos(opening: list[str], phrase: list[str]) -> bool:
    """Do the message's first words spell `phrase`? The verb (first word) exactly; after
    it a slip per word of three letters or more ("schrijf een usr stroy"). A one-word
    phrase must match exactly: "delivered" is not "deliver"."""
    if len(opening) < len(phrase) or opening[0] != phrase[0]:
        return False
    if len(phrase) == 1:
        return True
    return all(
        said == word or (min(len(said), len(word)) >= FUZZY_MIN_LETTERS and _close(said, word))
        for said, word in zip(opening[1:], phrase[1:], strict=False)
    )


def _close(said: str, word: str) -> bool:
    return difflib.SequenceMatcher(None, said, word).ratio() >= FUZZY_RATIO


def starts_with_request_verb(text: str) -> bool:
    return bool(request_verb_intents(text))


def names_other_request(text: str, intent: str) -> bool:
    """Does the text name another intent's one-word request verb anywhere ("payments for
    that deploy, not checkout" after a user story)? Then it is not about `intent`'s request."""
    said = set(normalize(text).split())
    return any(
        phrase in said
        for other, phrases in word_lists().request_verbs.items()
        if other != intent
        for phrase in _all(phrases)
        if " " not in phrase
    )


def elision_rest(text: str) -> str | None:
    """ "and now a test plan for it" -> "a test plan for it"; None without such an opener.

    The rest keeps the original characters; an opener alone is not an elision."""
    norm = normalize(text)
    for phrase in _all(word_lists().elision):
        if _starts_with(norm, phrase) and norm != phrase:
            rest = _rest_of(text, phrase)
            return rest or None
    return None


def only_filler(text: str) -> bool:
    return _only_filler(normalize(text))


def correction_rest(text: str) -> str | None:
    """For "no, I meant staging" the corrected part ("staging"); None if not a correction."""
    norm = normalize(text)
    for phrase in _all(word_lists().correction):
        if _starts_with(norm, phrase):
            rest = norm[len(phrase) :].strip()
            return rest or None
    return None


def correction_rest_raw(text: str) -> str | None:
    """Like `correction_rest`, keeping the original characters ("search-api", "v3.0");
    opening interjections are skipped ("wait, I meant payments" -> "payments")."""
    text = _without_leads(text)
    norm = normalize(text)
    for phrase in _all(word_lists().correction):
        if _starts_with(norm, phrase):
            rest = _rest_of(text, phrase)
            return None if says_nothing(rest) else rest
    asks = text.rstrip().endswith("?")
    said = _framed(text) or _contrasted(text)
    if said is not None and not asks:
        return said
    for phrase in _all(word_lists().correction_tail):
        if norm.endswith(" " + phrase) and not asks:
            rest = _before_tail(text, phrase)
            rest = no_rest(rest) or rest  # "nee, payments bedoel ik"
            short = len(normalize(rest).split()) <= MAX_ANSWER_WORDS
            return rest if short and not says_nothing(rest) else None
    return None


def _framed(text: str) -> str | None:
    """ "dat moest acceptatie zijn" -> "acceptatie" (a short value only)."""
    frames = [f for each in word_lists().correction_frame.values() for f in each]
    for frame in frames:  # as written: `_all` would normalise the braces away
        before, _, after = frame.partition("{value}")
        pattern = rf"^\s*{_loose(before)}(.+?){_loose(after)}\s*[.!]*\s*$"
        m = re.match(pattern, text, re.I)
        if m and len(normalize(m.group(1)).split()) <= MAX_ANSWER_WORDS:
            return m.group(1).strip(" ,")
    return None


def _loose(words_: str) -> str:
    """A phrase's words as a regex: any spacing, no partial words."""
    parts = [re.escape(w) for w in words_.split()]
    return r"\s*\b" + r"\s+".join(parts) + r"\b\s*" if parts else ""


def _contrasted(text: str) -> str | None:
    found = contrast(text)
    return found[0] if found else None


def contrast(text: str) -> tuple[str, str] | None:
    """(said, replaced): "payments, not checkout" -> ("payments", "checkout"); "not
    staging but acceptance" / "niet staging maar acceptatie" -> ("acceptance", "staging").
    Short values only; a hold ("not yet, but soon") is none."""
    norm = normalize(text)
    if any(_starts_with(norm, phrase) for phrase in _all(word_lists().hold)):
        return None
    nots = "|".join(_loose(w) for w in _all(word_lists().contrast_not))
    buts = "|".join(_loose(w) for w in _all(word_lists().contrast_but))
    m = re.match(rf"^\s*(?:{nots})\s*(\S.*?)[\s,]+(?:{buts})\s*(.+?)[.!]*$", text, re.I)
    if m is not None:
        said, replaced = m.group(2), m.group(1)
    else:  # the comma is what tells "payments, not checkout" from "do not ..."
        m = re.match(rf"^\s*([^,]+?)\s*,\s*(?:{nots})\s*(\S.*?)[.!]*$", text, re.I)
        if m is None:
            return None
        said, replaced = m.group(1), m.group(2)
    said, replaced = said.strip(" ,"), replaced.strip(" ,")
    short = all(0 < len(normalize(v).split()) <= MAX_ANSWER_WORDS for v in (said, replaced))
    return (said, replaced) if short else None


def _before_tail(text: str, phrase: str) -> str:
    """The original text before a closing phrase ("payments" of "payments bedoel ik")."""
    tokens = list(re.finditer(r"\S+", text))
    words_in_phrase, consumed = len(phrase.split()), 0
    for token in reversed(tokens):
        consumed += len(normalize(token.group()).split())
        if consumed >= words_in_phrase:
            return text[: token.start()].rstrip(" ,;:.!-\u2013\u2014").strip()
    return ""


def no_rest(text: str) -> str | None:
    """ "no, payments to staging" -> "payments to staging": a no that goes on with the
    right values (None for a bare no, or no leading no)."""
    text = _without_leads(text)
    norm = normalize(text)
    for phrase in _all(word_lists().no):
        if _starts_with(norm, phrase) and norm != phrase:
            rest = _rest_of(text, phrase)
            return None if says_nothing(rest) else rest
    return None


def _without_leads(text: str) -> str:
    """The text after any opening interjections ("oops, wait, ...")."""
    leads = _all(word_lists().correction_lead)
    while True:
        norm = normalize(text)
        phrase = next((p for p in leads if _starts_with(norm, p) and norm != p), None)
        if phrase is None:
            return text
        text = _rest_of(text, phrase)


def refers_back(text: str) -> bool:
    tokens = f" {normalize(text)} "
    return any(f" {normalize(p)} " in tokens for p in _all(word_lists().reference))


def is_reference_only(value: str) -> bool:
    """ "it", "that feature", "er ook een testplan van": refers back, names nothing new."""
    lists = word_lists()
    return _made_of(normalize(value), [*_all(lists.reference), *_all(lists.reference_nouns)])


def names_another(value: str) -> bool:
    """ "the other one", "de andere service": another value than the known one, unnamed."""
    norm = normalize(value)
    lists = word_lists()
    others = _all(lists.other_reference)
    if not any(f" {p} " in f" {norm} " for p in others):
        return False
    return _made_of(norm, [*others, *_all(lists.reference), *_all(lists.reference_nouns)])


def _made_of(norm: str, phrases: list[str]) -> bool:
    """Is `norm` nothing but these phrases (longest first)?"""
    if not norm:
        return False
    ordered = sorted(set(phrases), key=len, reverse=True)
    while norm:
        phrase = next((p for p in ordered if _starts_with(norm, p)), None)
        if phrase is None:
            return False
        norm = norm[len(phrase) :].strip()
    return True


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
