"""Slack markup and pasted material, seen the way the intent layer needs them.

Why: Slack sends `<@U024BE7LH>` for a mention, `<https://x|label>` for a link, `&lt;` for
"<" and `:rocket:` for an emoji. None of that is language, so it is normalised before the
classifier, the slot extractors and the language detector see the text. Pasted code,
logs and quotes are material for the agents (the full text stays the request), but they
say nothing about *what* is asked, nor in which language: `prose()` leaves them out.
"""

from __future__ import annotations

import re

_USER = re.compile(r"<@[UW][A-Z0-9]+(?:\|([^>]*))?>")
_CHANNEL = re.compile(r"<#C[A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(?:subteam\^[A-Z0-9]+|here|channel|everyone|date\^[^>|]*)(?:\|([^>]*))?>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^>|\s]+)(?:\|([^>]*))?>")
_EMOJI = re.compile(
    r"(?<![\w:]):(?=[a-z0-9_+'-]*[a-z]|[+-]1:)[a-z0-9_+'-]{1,40}:(?::skin-tone-\d:)?(?![\w:])"
)
_CAPITAL = re.compile(r"\s+[A-Z]")
# Slack formatting around words: *bold*, _italic_, ~strike~, and `code` of one word
# ("deploy *checkout* to `staging`"): the words count, the marks do not.
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(\S|\S[^*\n]*\S)\*(?![\w*])|(?<![\w_])_(\S|\S[^_\n]*\S)_(?![\w_])"
    r"|(?<![\w~])~(\S|\S[^~\n]*\S)~(?![\w~])|(?<![\w`])`([^`\s]{1,60})`(?![\w`])"
)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]+`")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.I)
# A pasted log or stack-trace line: a timestamp or log level first, a trace frame, or code
# indented by four spaces or a tab.
_MATERIAL_LINE = re.compile(
    r"^(?:\s*\d{4}-\d{2}-\d{2}[T ]\d|\s*\[?\d{1,2}:\d{2}(?::\d{2})?\b|"
    r"\s*(?:\[?(?:ERROR|WARN|WARNING|"
    r"INFO|DEBUG|TRACE|FATAL|CRITICAL)\]?[\s:])|\s*at\s+\S+\s*\(|\s*File \"|\s*Traceback\b|"
    r"\s*(?:[\w.]+(?:Error|Exception))\b:|(?: {4}|\t)\S|\s*>|\s*[+-]{3}\s|\s*@@\s|"
    r"\s*[{}\[\]]\s*$|\s*\$\s|\s*(?:error|hint|warning|fatal|remote):\s|\s*To\s+\S+[:@]\S|"
    # a table pasted from a terminal: columns separated by runs of spaces
    r".*\S {2,}\S+ {2,}\S)",
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
_SPACES = re.compile(r"[ \t]+")


def normalize_markup(text: str) -> str:
    """Plain text from Slack markup: mentions -> "@name" (or nothing), channels ->
    "#name", links -> "label url", entities decoded, `:emoji:` codes removed. Code blocks
    keep their content (emoji-like `:x:` inside code is code)."""
    text = _USER.sub(lambda m: f"@{m.group(1)}" if m.group(1) else "", text)
    text = _CHANNEL.sub(lambda m: f"#{m.group(1)}" if m.group(1) else "", text)
    text = _SPECIAL.sub(lambda m: m.group(1) or "", text)
    text = _LINK.sub(_link, text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    parts: list[str] = []
    last = 0
    for m in _FENCE.finditer(text):
        parts.append(_no_emoji(text[last : m.start()]))
        parts.append(m.group(0))
        last = m.end()
    parts.append(_no_emoji(text[last:]))
    # Whitespace is kept as it is: indentation is part of pasted code.
    return "".join(parts).strip()


def _no_emoji(text: str) -> str:
    """Emoji codes removed (one that ends a sentence, "approve it :tada: I checked...",
    leaves a line break, so the sentences stay apart) and emphasis marks dropped."""
    text = _EMOJI.sub(lambda m: "\n" if _CAPITAL.match(text, m.end()) else "", text)
    return _EMPHASIS.sub(lambda m: next(g for g in m.groups() if g is not None), text)


def _link(m: re.Match[str]) -> str:
    url, label = m.group(1), m.group(2)
    if url.startswith(("mailto:", "tel:")):
        return label or url.split(":", 1)[1]
    return f"{label} {url}" if label and label != url else url


def prose(text: str) -> str:
    """The text without code blocks, inline code, URLs, quotes and pasted log lines."""
    text = _FENCE.sub("\n", text)
    text = _INLINE_CODE.sub(" ", text)
    lines = [line for line in text.split("\n") if not _MATERIAL_LINE.match(line)]
    text = _URL.sub(" ", "\n".join(lines))
    kept = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in kept if line)


def pasted_lines(text: str) -> str:
    """The pasted log, trace and quote lines of `text` (code blocks left out), joined."""
    lines = _FENCE.sub("\n", text).split("\n")
    return "\n".join(line.strip() for line in lines if _MATERIAL_LINE.match(line))


def has_material(text: str) -> bool:
    """True when the message carries pasted code, logs or quotes besides its prose."""
    return bool(_FENCE.search(text)) or any(_MATERIAL_LINE.match(x) for x in text.split("\n"))


def sentences(text: str) -> list[str]:
    """Sentences (or lines) of `text` that contain at least one letter."""
    return [s.strip() for s in _SENTENCE_END.split(text) if re.search(r"[^\W\d_]", s)]
