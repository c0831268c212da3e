"""Named workflows from chat: "start the release workflow for v3.0", "voer de release
workflow uit" start that template (built-in or the tenant's), asking for its inputs like
slots.

Why not the classifier: the names are the tenant's own (any template in its folder) and
change without retraining; the phrasings are few and live in `dialogue_words.yaml`
(`named_workflow`), so a pattern match on the whole message is exact and explainable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from conversations import words
from conversations.nlu.catalog import Catalog
from conversations.nlu.extract import EXTRACTORS, extract_slot_value

# The pseudo-intent of a named-workflow request (not a catalog intent: no examples).
NAMED_INTENT = "run_workflow"
# Internal templates a person does not start by name.
HIDDEN = frozenset({"single_task"})
# Input names whose values have a recognisable shape: the extractor of that slot type.
_TYPED_INPUTS = frozenset({"service", "environment", "version", "run_id", "pr"})


@dataclass(frozen=True)
class NamedRequest:
    workflow: str
    rest: str  # what it is for ("v3.0"), "" when not said


@lru_cache(maxsize=1)
def _patterns() -> list[re.Pattern[str]]:
    found: list[re.Pattern[str]] = []
    for phrases in words.word_lists().named_workflow.values():
        for phrase in phrases:
            regex = re.escape(phrase)
            regex = regex.replace(r"\{name\}", r"(?P<name>[\w][\w -]{0,62}?)")
            regex = regex.replace(r"\{rest\}", r"(?P<rest>.+?)")
            regex = regex.replace(r"\ ", r"\s+")
            found.append(re.compile(rf"^\s*{regex}\s*[.!?]*\s*$", re.I | re.S))
    return found


def match_named(text: str, available: list[str]) -> NamedRequest | None:
    """The template a message names, when it names one of `available` that way."""
    names = {_key(n): n for n in available if n not in HIDDEN}
    candidate = _without_openers(text)
    for pattern in _patterns():
        m = pattern.match(candidate)
        if m is None:
            continue
        name = names.get(_key(m.group("name")))
        if name is not None:
            rest = (m.groupdict().get("rest") or "").strip()
            return NamedRequest(workflow=name, rest=rest)
    return None


def unknown_named(text: str, available: list[str]) -> str | None:
    """The name a message asks to start ("start the hotfx workflow") when no template has
    it: answered with the known names instead of guessing another workflow."""
    names = {_key(n) for n in available}
    candidate = _without_openers(text)
    for pattern in _patterns():
        m = pattern.match(candidate)
        if m is None:
            continue
        asked = _key(m.group("name"))
        # Part of a known name ("the feature workflow"): left to normal understanding.
        if asked in names or any(asked in name for name in names):
            return None
        return m.group("name").strip()
    return None


def inputs_from(rest: str, inputs: list[str], catalog: Catalog) -> dict[str, str]:
    """Input values the "for ..." part gives: those said by name ("with ticket OPS-77"),
    typed ones by shape; one free-text input takes what is left when nothing typed
    claimed it."""
    found: dict[str, str] = {}
    for name in inputs:  # "... with ticket OPS-77", "ticket: OPS-77"
        said = _said_by_name(name, rest)
        if said is not None:
            found[name], rest = said
    if not rest:
        return found
    typed = False
    for name in inputs:
        kind = _slot_type(name, catalog)
        if name not in found and kind in _TYPED_INPUTS:
            value = extract_slot_value(kind, rest, answer=True)
            if value:
                found[name], typed = value, True
    free = [n for n in inputs if n not in found and _slot_type(n, catalog) not in _TYPED_INPUTS]
    if len(free) == 1 and not typed:
        found[free[0]] = rest
    # A version or a service named in passing is worth keeping for the agents, too.
    for extra in ("version", "service", "environment"):
        if extra not in found:
            value = extract_slot_value(extra, rest)
            if value:
                found[extra] = value
    return found


def _said_by_name(name: str, text: str) -> tuple[str, str] | None:
    """The value right after the input's own name ("with ticket OPS-77", "ticket: OPS-77"),
    and the text without that part."""
    spoken = re.escape(name).replace("_", "[ _-]")
    joiner = rf"(?:\s*,|\s+(?:{'|'.join(words.word_lists().input_joiner)}))?"
    m = re.search(rf"{joiner}\s*\b{spoken}\s*[:=]?\s+([^\s,;]+)", text, re.I)
    if m is None:
        return None
    value = m.group(1).strip(".!?")
    if not value or words.says_nothing(value):
        return None
    return value, (text[: m.start()] + text[m.end() :]).strip()


def answer_value(name: str, text: str, catalog: Catalog) -> str | None:
    kind = _slot_type(name, catalog)
    if kind in EXTRACTORS:
        return extract_slot_value(kind, text, answer=True)
    cleaned = text.strip()
    return cleaned or None


def question_for(name: str, lang: str, catalog: Catalog, workflow: str) -> str | None:
    """The catalog's question for this input: from the intent that starts this workflow,
    else (typed inputs only: a service is a service) from any intent; None = ask plainly."""
    others: list[str] = []
    for intent in catalog.intents.values():
        slot = intent.slots.get(name)
        if slot is None or slot.question is None:
            continue
        handler = intent.handler
        starts_it = handler.workflow == workflow or any(
            workflow in choices.values() for choices in handler.variants.values()
        )
        if starts_it:
            return slot.question.get(lang)
        if slot.type in _TYPED_INPUTS:
            others.append(slot.question.get(lang))
    return others[0] if others else None


def _slot_type(name: str, catalog: Catalog) -> str | None:
    if name in EXTRACTORS:
        return name
    for intent in catalog.intents.values():
        slot = intent.slots.get(name)
        if slot is not None:
            return slot.extractor_name
    return None


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


def _without_openers(text: str) -> str:
    """Drop "please" / "kun je" before matching, keeping the original characters."""
    norm_rest = words.strip_openers(text)
    if not norm_rest:
        return text
    first = norm_rest.split()[0]
    m = re.search(rf"\b{re.escape(first)}\b", text, re.I)
    return text[m.start() :] if m else text
