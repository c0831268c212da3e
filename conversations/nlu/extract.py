"""Slot extraction: run ids, environments, services, versions, PRs and free-text subjects.

Why rules: these values have a recognisable shape ("run 42", "v2.3.1", ".../pull/7",
"prod") or sit in a predictable place in a request ("a user story *about X*"), so a few
tested patterns are exact, instant and explainable; the LLM router fills slots itself
when it is the one deciding. Two modes per slot type:
- in a request (`answer=False`): only values with clear evidence, never a guess;
- as the answer to the slot's question (`answer=True`): the whole cleaned reply counts
  ("staging", "checkout", "the export page").
"""

from __future__ import annotations

import re
from collections.abc import Callable

from agents.environments import aliases as env_aliases
from agents.environments import weak_words as weak_env_words
from conversations.nlu.catalog import Catalog, load_catalog
from conversations.nlu.lexicon import alternation, words

# -- environments ---------------------------------------------------------------------
# From the one environment table shared with the run-start gate (agents/environments.yaml).
_ENV_ALIASES: dict[str, str] = env_aliases()
# Every environment word, for typo correction (`fuzzy.py`).
ENVIRONMENT_WORDS = frozenset(_ENV_ALIASES)
# "live" and "test" are ordinary words too: only count them next to an environment cue.
_WEAK_ENV = weak_env_words()
_ENV_WORD = "|".join(re.escape(w) for w in sorted(_ENV_ALIASES, key=len, reverse=True))
_ENV_SUFFIX = alternation("slot_words", "env_suffix")
_ARTICLE_WORD = alternation("slot_words", "article")
_ENV_LOOSE = alternation("slot_words", "env_suffix_loose")
_ENV_RE = re.compile(rf"\b({_ENV_WORD})(?:[- ]?(?:{_ENV_SUFFIX}|{_ENV_LOOSE}))?\b", re.I)
_ENV_CUE = re.compile(
    rf"\b(?:{alternation('slot_words', 'env_cue')})\s+(?:(?:{_ARTICLE_WORD})\s+)?({_ENV_WORD})\b"
    rf"|\b({_ENV_WORD})[- ]?(?:{_ENV_SUFFIX})\b",
    re.I,
)


def extract_environment(text: str, *, answer: bool = False) -> str | None:
    if _TAKE_LIVE.search(text):  # "take payments live": "live" is where, not how
        return _ENV_ALIASES["live"]
    for m in _ENV_CUE.finditer(text):
        word = (m.group(1) or m.group(2)).lower()
        return _ENV_ALIASES[word]
    for m in _ENV_RE.finditer(text):
        word = m.group(1).lower()
        if word not in _WEAK_ENV or answer:
            return _ENV_ALIASES[word]
    return None


# -- run ids ----------------------------------------------------------------------------
_RUN_RE = re.compile(
    rf"\b(?:{alternation('slot_words', 'run')})\s*(?:id\s*)?[#:]?\s*"
    r"(\d{1,12}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})\b",
    re.I,
)
_HASH_RE = re.compile(r"(?<![\w/])#(\d{1,12})\b")
_BARE_ID_RE = re.compile(
    r"^\s*(?:run\s*)?#?\s*(\d{1,12}|[0-9a-f]{8}(?:-[0-9a-f]{4}){3}-[0-9a-f]{12})\s*[.!?]?\s*$",
    re.I,
)


def extract_run_id(text: str, *, answer: bool = False) -> str | None:
    m = _RUN_RE.search(text) or _HASH_RE.search(text)
    if m:
        return m.group(1).lower()
    if answer:
        m = _BARE_ID_RE.match(text)
        if m:
            return m.group(1).lower()
    return None


# -- versions ---------------------------------------------------------------------------
_SEMVER_RE = re.compile(
    r"(?<![\w.])(v?\d+\.\d+(?:\.\d+)?(?:-[0-9a-z.]+)?(?:\+[0-9a-z.]+)?)(?![\w.]*\d)", re.I
)
_VERSION_WORD_RE = re.compile(
    rf"\b(?:{alternation('slot_words', 'version')})\s*(\d+(?:\.\d+)*)\b", re.I
)
_V_RE = re.compile(r"(?<![\w.])(v\d+)\b", re.I)


def extract_version(text: str, *, answer: bool = False) -> str | None:
    m = _SEMVER_RE.search(text)
    if m:
        return m.group(1)
    m = _V_RE.search(text)
    if m:
        return m.group(1).lower()
    m = _VERSION_WORD_RE.search(text)
    if m:
        return m.group(1)
    if answer:
        m = re.fullmatch(r"\s*(v?\d+(?:\.\d+)*)\s*", text, re.I)
        if m:
            return m.group(1)
    return None


# -- pull requests ----------------------------------------------------------------------
_PR_URL_RE = re.compile(
    r"https?://[^\s<>]+?/(?:pull|pulls|merge_requests|pull-requests)/\d+[^\s<>]*", re.I
)
_PR_NUM_RE = re.compile(
    rf"\b(?:{alternation('slot_words', 'pull_request')})\s*[#/:]?\s*(\d{{1,7}})\b", re.I
)


def extract_pr(text: str, *, answer: bool = False) -> str | None:
    m = _PR_URL_RE.search(text)
    if m:
        return m.group(0).rstrip(".,;:!?)>")
    m = _PR_NUM_RE.search(text) or _HASH_RE.search(text)
    if m:
        return m.group(1)
    if answer:
        m = re.fullmatch(r"\s*#?(\d{1,7})\s*", text)
        if m:
            return m.group(1)
    return None


# -- services ---------------------------------------------------------------------------
_NAME = r"[a-z0-9][a-z0-9_.-]*"
# Words that follow a deploy verb but are not a service name.
_NOT_SERVICE = words("not_service") | set(_ENV_ALIASES)
_VERB_SERVICE = re.compile(
    rf"\b(?:{alternation('slot_words', 'deploy_verb')})\s+"
    rf"((?:(?:{alternation('slot_words', 'deploy_filler')})\s+)*)({_NAME})",
    re.I,
)
_ADVERBS = rf"(?:(?:{alternation('slot_words', 'adverb')})\s+)*"
_ENV_LIST_JOINER = rf"(?:,|&|\b(?:{alternation('slot_words', 'list_joiner')})\b)"
_TO_ENV = (  # "naar test en acceptatie": one environment or a list
    rf"(?:{alternation('slot_words', 'env_cue')})\s+(?:(?:{_ARTICLE_WORD})\s+)?(?:{_ENV_WORD})"
    rf"(?:\s*{_ENV_LIST_JOINER}\s*(?:{_ENV_WORD}))*\s+"
)
_SERVICE_INFINITIVE = re.compile(
    rf"\b({_NAME})\s+{_ADVERBS}(?:{_TO_ENV})?{_ADVERBS}"
    rf"(?:{alternation('slot_words', 'deploy_infinitive')})\b"
    rf"|\b({_NAME})\s+{_ADVERBS}{_TO_ENV}{_ADVERBS}"
    rf"(?:{alternation('slot_words', 'deploy_infinitive_env')})\b",
    re.I,
)
_BRANCH_OF = re.compile(
    rf"\b(?:{alternation('slot_words', 'branch')})\s+\S+\s+"
    rf"(?:{alternation('slot_words', 'branch_of')})\s+({_NAME})",
    re.I,
)
_TAKE_LIVE = re.compile(
    rf"\b(?:{alternation('slot_words', 'live_verb')})\s+({_NAME})\s+live\b", re.I
)
# "release notes for checkout 2.4": a name right before a version is what is versioned.
_VERSIONED_SERVICE = re.compile(rf"\b({_NAME})\s+(?=v?\d+\.\d+\b)", re.I)
_SERVICE_NOUN = re.compile(
    rf"\b({_NAME}?)([- ])({alternation('slot_words', 'service_suffix')})\b", re.I
)
_NOUN_SERVICE = re.compile(rf"\b(?:{alternation('slot_words', 'service_noun')})\s+({_NAME})", re.I)
_HYPHENATED = re.compile(r"\b([a-z0-9]+(?:-[a-z0-9]+)+)\b", re.I)
_STATE_SERVICE = re.compile(
    rf"\b(?:(?:{_ARTICLE_WORD})\s+)?({_NAME})\s+(?:{alternation('slot_words', 'state_verb')})\s+"
    rf"(?:{alternation('slot_words', 'state')})",
    re.I,
)
_ON_SERVICE = re.compile(
    rf"\b(?:{alternation('slot_words', 'service_preposition')})\s+(?:(?:{_ARTICLE_WORD})\s+)?"
    rf"([a-z0-9]+(?:-[a-z0-9]+)+|[a-z0-9][a-z0-9_.]*"
    rf"(?=[- ](?:{alternation('slot_words', 'service_kind')})\b))",
    re.I,
)


_REGION_RE = re.compile(r"[a-z]{2}-[a-z]+-\d+")


def _clean_service(name: str) -> str | None:
    name = name.strip(".,;:!?").lower()
    if not name or name in _NOT_SERVICE or _SEMVER_RE.fullmatch(name) or name.isdigit():
        return None
    if _REGION_RE.fullmatch(name):  # "us-east-1" is where, not what
        return None
    return name


def extract_service(text: str, *, answer: bool = False) -> str | None:
    for pattern in (_BRANCH_OF, _TAKE_LIVE):
        m = pattern.search(text)
        name = _clean_service(m.group(1)) if m else None
        if name:
            return name
    for m in _ON_SERVICE.finditer(text):
        name = _clean_service(m.group(1))
        if name:
            return name
    for m in _SERVICE_NOUN.finditer(text):
        # "orders-api" is the service's name; in "the search api" it is "search".
        joined = m.group(2) == "-"
        name = _clean_service(f"{m.group(1)}-{m.group(3)}" if joined else m.group(1))
        if name:
            return name
    for m in _VERB_SERVICE.finditer(text):
        name = _clean_service(m.group(2))
        if name:
            return name
    for pattern in (_SERVICE_INFINITIVE, _NOUN_SERVICE, _STATE_SERVICE, _VERSIONED_SERVICE):
        for m in pattern.finditer(text):
            name = _clean_service(next((g for g in m.groups() if g), ""))
            if name:
                return name
    for m in _HYPHENATED.finditer(text):
        name = _clean_service(m.group(1))
        # Not names: "end-to-end", "follow-up", header-like "x-foo".
        skip = r"(?:end-to-end|e2e|follow-up|x-\w+)"
        if name and not re.fullmatch(skip, name):
            return name
    if answer:
        words = [w for w in re.findall(_NAME, text.lower()) if w not in _NOT_SERVICE]
        if len(words) == 1 or (words and len(text.split()) <= 3):
            return _clean_service(words[0])
    return None


# Several services in one request ("deploy checkout and payments to staging"): a list
# right after the first one, ending where the environment starts (or the message ends).
SERVICE_SEPARATOR = ", "
_JOINER = rf"(?:\+|/|{_ENV_LIST_JOINER})"
_LIST_END = (
    rf"(?=\s+(?:(?:{alternation('slot_words', 'verb_particle')})\s+)?"
    rf"(?:{alternation('slot_words', 'env_cue')})\b|\s*[.!?]?\s*$)"
)


_VERSION_AFTER = r"(?:\s+(v?\d+(?:\.\d+)+(?:[-+][0-9a-z.]+)?))?"
# "the checkout and the payments services": an article before a name, the noun after
_LIST_ARTICLE = rf"(?:(?:{alternation('slot_words', 'article')})\s+)?"
_LIST_NOUN = rf"(?:\s+(?:{alternation('slot_words', 'service_noun')})s?)?"
_LIST_ITEM = rf"\s*{_JOINER}\s*{_LIST_ARTICLE}({_NAME}){_VERSION_AFTER}"


def _listed_services(text: str) -> list[tuple[str, str | None]]:
    """The first service and any listed after it, each with the version right after its
    name ("checkout 2.4.1 and payments 3.0.2"): [] when no service is named."""
    first = extract_service(text)
    if first is None:
        return []
    listed = re.search(
        rf"\b{re.escape(first)}{_VERSION_AFTER}((?:{_LIST_ITEM})+){_LIST_NOUN}{_LIST_END}",
        text,
        re.I,
    )
    if listed is None:
        return [*_listed_before(text, first), (first, None)]
    items: list[tuple[str, str | None]] = [(first, listed.group(1))]
    for name, version in re.findall(_LIST_ITEM, listed.group(2), re.I):
        clean = _clean_service(name)
        if clean and clean not in (n for n, _ in items):
            items.append((clean, version or None))
    return items


def _listed_before(text: str, last: str) -> list[tuple[str, str | None]]:
    """Names listed before the one a verb-last sentence found ("checkout en payments naar
    staging uitrollen": payments is found first)."""
    before = re.search(
        rf"((?:\b{_NAME}{_VERSION_AFTER}\s*{_JOINER}\s*{_LIST_ARTICLE})+){re.escape(last)}\b",
        text,
        re.I,
    )
    if before is None:
        return []
    found = re.findall(rf"({_NAME}){_VERSION_AFTER}\s*{_JOINER}", before.group(1), re.I)
    names = (_clean_service(name) for name, _ in found)
    return [(name, None) for name in dict.fromkeys(n for n in names if n and n != last)]


def extract_services(text: str, *, answer: bool = False) -> str | None:
    """The service, or every service of a list, joined by SERVICE_SEPARATOR (a name never
    holds a comma). An answer is one service."""
    if answer:
        return extract_service(text, answer=True)
    names = [name for name, _ in _listed_services(text)]
    return SERVICE_SEPARATOR.join(names) if names else None


def extract_versions(text: str, *, answer: bool = False) -> str | None:
    """Per listed service when a version follows a name of the list ("checkout 2.4.1 and
    payments 3.0.2" -> "2.4.1, 3.0.2"; "checkout 2.4.1 and payments" -> "2.4.1, ": none
    for payments), paired in order with `extract_services`; else the version."""
    listed = [] if answer else _listed_services(text)
    versions = [version or "" for _, version in listed]
    if len(versions) > 1 and any(versions):
        return SERVICE_SEPARATOR.join(versions)
    return extract_version(text, answer=answer)


_MORE_ENVIRONMENTS = re.compile(
    rf"\s*{_JOINER}\s*(?:(?:{alternation('slot_words', 'list_adverb')})\s+)?"
    rf"(?:(?:{alternation('slot_words', 'env_cue')})\s+)?(?:(?:{_ARTICLE_WORD})\s+)?"
    rf"({_ENV_WORD})(?:[- ]?(?:{_ENV_SUFFIX}))?\b",
    re.I,
)
_BOTH_ENVIRONMENTS = re.compile(
    rf"\b(?:{alternation('slot_words', 'env_cue')})\s+(?:{alternation('slot_words', 'list_both')})"
    rf"\s+(?:(?:{_ARTICLE_WORD})\s+)?({_ENV_WORD})\b",
    re.I,
)


def extract_environments(text: str, *, answer: bool = False) -> str | None:
    """The environment, or every one of a list after it ("to test and acceptance"),
    joined by SERVICE_SEPARATOR. Only for intents that run once per environment."""
    first = _BOTH_ENVIRONMENTS.search(text) or _ENV_CUE.search(text)
    if first is None or answer or _TAKE_LIVE.search(text):
        return extract_environment(text, answer=answer)
    names = [_ENV_ALIASES[(first.group(1) or first.group(2)).lower()]]
    position = first.end()
    while more := _MORE_ENVIRONMENTS.match(text, position):
        names.append(_ENV_ALIASES[more.group(1).lower()])
        position = more.end()
    return SERVICE_SEPARATOR.join(dict.fromkeys(names))


# -- free-text subjects -----------------------------------------------------------------
# Where the subject starts: after "about", "for", ":" and their Dutch counterparts.
_SUBJECT_CUE = re.compile(rf"(?::\s+|\s-\s|\b(?:{alternation('subject', 'cue')})\s+)", re.I)
_LEADING_NOISE = re.compile(rf"^(?:(?:{alternation('subject', 'leading_noise')})\b[\s,]*)+", re.I)
_TRAILING_NOISE = re.compile(
    rf"[\s,]*(?:\b(?:{alternation('subject', 'trailing_noise')})\b[\s,.!?]*)+$|[\s.!?]+$",
    re.I,
)
# Command words and artefact names that are not the subject itself.
_COMMAND_WORDS = re.compile(rf"^(?:(?:{alternation('subject', 'command_words')})\b[\s,:]*)+", re.I)
_ARTICLE = re.compile(rf"^(?:{alternation('subject', 'article')})\s+", re.I)
_MIN_SUBJECT = 2  # characters
# A "subject" made only of these says nothing about what the request is about.
_GENERIC = words("generic_subject")
_GENERIC_TAIL = re.compile(rf"\s+(?:{alternation('subject', 'tail_cue')})\s+([\w' ]+)$", re.I)


def _drop_generic_tail(subject: str) -> str:
    """ "the api for vulnerabilities" -> "the api": a tail of generic words adds nothing."""
    m = _GENERIC_TAIL.search(subject)
    if m and all(w in _GENERIC for w in re.findall(r"[\w']+", m.group(1).lower())):
        return subject[: m.start()]
    return subject


def _tidy(subject: str) -> str | None:
    subject = _TRAILING_NOISE.sub("", subject.strip()).strip(" \t,.;:!?\"'")
    subject = _drop_generic_tail(subject)
    subject = _ARTICLE.sub("", subject).strip()
    if len(subject) < _MIN_SUBJECT or not re.search(r"[a-z0-9]", subject, re.I):
        return None
    if all(w in _GENERIC for w in re.findall(r"[\w']+", subject.lower())):
        return None
    return subject


_ANSWER_PREFIX = re.compile(rf"^(?:{alternation('slot_words', 'answer_prefix')})\s+", re.I)


def extract_subject(text: str, *, answer: bool = False) -> str | None:
    """The free-text thing a request is about ("dark mode in the mobile app")."""
    text = text.strip()
    if answer:
        cleaned = _ANSWER_PREFIX.sub("", text)
        return _tidy(_LEADING_NOISE.sub("", cleaned))
    m = _SUBJECT_CUE.search(text)
    if m:
        candidate = _tidy(text[m.end() :])
        # "review PR 12 for security": a run/PR reference alone is not a subject.
        if candidate and not re.fullmatch(r"(?:run|pr|#)?\s*#?\d+", candidate, re.I):
            return candidate
        # "check the login service for vulnerabilities": the subject came before the cue.
        text = text[: m.start()]
    stripped = _COMMAND_WORDS.sub("", _LEADING_NOISE.sub("", text))
    if stripped and stripped != text:
        return _tidy(stripped)
    return None


_FEATURE_OWNER = alternation("slot_words", "feature_owner")
_FEATURE_BEFORE = re.compile(
    rf"\b(?:{_FEATURE_OWNER})\s+([\w' -]{{2,60}}?)\s+"
    rf"(?:{alternation('slot_words', 'feature_noun')})\b",
    re.I,
)
_FEATURE_AFTER = re.compile(
    rf"\b(?:{alternation('slot_words', 'feature_word')})\s*:?\s+"
    rf"(?!(?:{alternation('slot_words', 'feature_not_first')})"
    rf"|(?:{alternation('slot_words', 'feature_not_first_word')})\b)"
    rf"([\w'-]+(?:\s+(?!(?:{alternation('slot_words', 'feature_stop')})\b)[\w'-]+){{0,4}})",
    re.I,
)


def extract_feature(text: str, *, answer: bool = False) -> str | None:
    """A feature name ("the wishlist feature", "feature klantportaal"), else the subject."""
    if not answer:
        for pattern in (_FEATURE_BEFORE, _FEATURE_AFTER):
            m = pattern.search(text)
            if m:
                # "the agents to deliver the wishlist feature": the last article wins.
                last = re.split(rf"\b(?:{_FEATURE_OWNER})\s+", m.group(1), flags=re.I)[-1]
                name = _tidy(_COMMAND_WORDS.sub("", last))
                if name:
                    return name
    return extract_subject(text, answer=answer)


def extract_pr_or_subject(text: str, *, answer: bool = False) -> str | None:
    """A PR reference when there is one (kept as given), else the free-text target."""
    url = _PR_URL_RE.search(text)
    if url:
        return url.group(0).rstrip(".,;:!?)>")
    number = extract_pr(text, answer=answer)
    if number:
        return f"PR #{number}"
    return extract_subject(text, answer=answer)


Extractor = Callable[..., str | None]
EXTRACTORS: dict[str, Extractor] = {
    "subject": extract_subject,
    "service": extract_services,
    "environment": extract_environment,
    "environments": extract_environments,
    "version": extract_version,
    "versions": extract_versions,
    "run_id": extract_run_id,
    "pr": extract_pr,
    "pr_or_subject": extract_pr_or_subject,
    "feature": extract_feature,
}


def extract_slot_value(slot_type: str, text: str, *, answer: bool = False) -> str | None:
    """One slot value of `slot_type` (or extractor name) from `text`, or None."""
    extractor = EXTRACTORS.get(slot_type)
    if extractor is None:
        raise KeyError(f"unknown slot type or extractor: {slot_type}")
    return extractor(text, answer=answer)


def extract_slots(text: str, intent: str, catalog: Catalog | None = None) -> dict[str, str]:
    """Every slot of `intent` that the request itself fills (no guesses)."""
    definition = (catalog or load_catalog()).get(intent)
    if definition is None:
        return {}
    found: dict[str, str] = {}
    for name, slot in definition.slots.items():
        value = extract_slot_value(slot.extractor_name, text)
        if value:
            found[name] = value
    return found
