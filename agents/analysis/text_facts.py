"""Facts in a request's words: sentences, bullet lines, numbers with units, roles, error words.

Why one place: the test plan, the ADR and the triage all derive their content from the
same kinds of facts; the word lists are data (prompts/analysis/words.<lang>.yaml).
"""

from __future__ import annotations

import re

from agents.analysis.words import both

BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+(.*\S)")
SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")
NUMBER = re.compile(
    r"(?P<value>[€$£]?\d+(?:[.,]\d+)?\s?(?:%|[kKmM]\b)?)\s*(?P<unit>[A-Za-zÀ-ÿ/€$£]+(?:/[A-Za-z]+)?)?"
)
STOP = {
    "at",
    "per",
    "in",
    "op",
    "with",
    "and",
    "en",
    "of",
    "or",
    "for",
    "voor",
    "the",
    "de",
    "het",
    "a",
    "an",
    "een",
    "to",
    "naar",
    "is",
    "are",
    "zijn",
    "after",
    "na",
    "before",
}
FENCE = re.compile(r"```.*?(?:```|\Z)", re.DOTALL)


def prose(text: str) -> str:
    """The text without code blocks (code is reviewed, not read as requirements)."""
    return FENCE.sub(" ", text or "")


def statements(text: str, limit: int = 20) -> list[str]:
    """Bullet lines first (they are what people write criteria as), then sentences."""
    out: list[str] = []
    rest: list[str] = []
    for line in prose(text).splitlines():
        if _markup_only(line):
            continue
        match = BULLET.match(line)
        if match:
            out.append(match.group(1).strip())
        elif line.strip():
            rest.append(line.strip())
    for sentence in SENTENCE.split(" ".join(rest)):
        sentence = sentence.strip(" .")
        if len(sentence.split()) >= 3:
            out.append(sentence)
    return list(dict.fromkeys(out))[:limit]


def _markup_only(line: str) -> bool:
    """An italic label (`_Offline analysis ..._`) or a bold heading (`*Test cases*`)."""
    stripped = line.strip()
    return len(stripped) > 2 and (
        (stripped[0] == "_" and stripped[-1] == "_") or (stripped[0] == "*" and stripped[-1] == "*")
    )


def numbers(text: str, limit: int = 10) -> list[dict[str, str]]:
    """Numbers with the word after them ("5 gift cards", "€500", "30 days", "200 orders/minute")
    and the statement they are in, so a limit can be tested at, under and over it."""
    found: list[dict[str, str]] = []
    for statement in statements(text, 40):
        for match in NUMBER.finditer(statement):
            value = match.group("value").strip()
            if not re.search(r"\d", value) or re.fullmatch(r"\d{4}", value):  # years
                continue
            unit = (match.group("unit") or "").strip()
            after = statement[match.end() :].split()
            if (
                unit
                and "/" not in unit
                and after
                and after[0].lower() not in STOP
                and after[0].isalpha()
            ):
                unit = f"{unit} {after[0]}"
            found.append({"value": value, "unit": unit, "statement": statement})
    return found[:limit]


def words_in(text: str, words: list[str]) -> list[str]:
    low = prose(text).lower()
    # plurals count too: admins, guests, beheerders, klanten
    return [w for w in words if re.search(rf"(?<!\w){re.escape(w)}(?:s|es|en)?(?!\w)", low)]


def roles(text: str) -> list[str]:
    return words_in(text, both("words", "roles"))


def error_statements(text: str, limit: int = 8) -> list[dict[str, str]]:
    """Statements that describe a failure (expired, invalid, declined, verlopen, ...)."""
    errors = both("words", "errors")
    out = []
    for statement in statements(text, 40):
        hit = words_in(statement, errors)
        if hit:
            out.append({"word": hit[0], "statement": statement})
    return out[:limit]
