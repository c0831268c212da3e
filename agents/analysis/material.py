"""What the user gave us to analyse: code blocks, unified diffs, bare pasted code.

Why here and not in the templates: the same request text feeds the code review, the
security review and the benchmarks; line numbers must map back to what the user sees
(the block's own line, or the new-file line of a diff hunk).
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass, field

FENCE = re.compile(r"```[ \t]*([\w.+#-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
# A line that reads as Python code rather than prose (used when nothing is fenced).
CODE_LINE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import |return\b|if .*:\s*$|for .*:\s*$|"
    r"with .*:\s*$|try:|except\b|raise\b|@\w|[\w.\[\]'\"]+\s*[+\-*/]?=\s*\S|"
    r"[\w.]+\(.*\)\s*$)"
)
PROSE_THEN_CODE = re.compile(r"^[^`\n]*?[:?!]\s+((?:async def|def|class|import|from)\s.+)$")
LANGUAGES = {
    "py": "python",
    "python": "python",
    "python3": "python",
    "js": "javascript",
    "javascript": "javascript",
    "ts": "typescript",
    "typescript": "typescript",
    "go": "go",
    "java": "java",
    "rb": "ruby",
    "ruby": "ruby",
    "sh": "shell",
    "bash": "shell",
    "sql": "sql",
    "yaml": "yaml",
    "yml": "yaml",
    "json": "json",
    "php": "php",
    "cs": "csharp",
    "rs": "rust",
    "diff": "diff",
    "patch": "diff",
}
EXTENSIONS = {
    ".py": "python",
    ".js": "javascript",
    ".ts": "typescript",
    ".go": "go",
    ".java": "java",
    ".rb": "ruby",
    ".sh": "shell",
    ".sql": "sql",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".json": "json",
    ".php": "php",
    ".rs": "rust",
    ".md": "markdown",
    ".txt": "text",
    ".toml": "toml",
    ".tf": "terraform",
    ".dockerfile": "dockerfile",
}


@dataclass
class CodeFile:
    """One piece of code. `lines[i]` is the user-visible line number of line i+1 of `text`;
    `added` (diffs only) the user-visible lines that the change adds (findings elsewhere are
    context, not this change's)."""

    name: str
    language: str
    text: str
    lines: list[int] = field(default_factory=list)
    added: set[int] | None = None

    def line_of(self, line: int) -> int:
        if 1 <= line <= len(self.lines):
            return self.lines[line - 1]
        return line

    @property
    def size(self) -> int:
        return len(self.text.encode("utf-8"))


def language_of(name: str, tag: str = "", text: str = "") -> str:
    if tag and tag.lower() in LANGUAGES:
        return LANGUAGES[tag.lower()]
    for ext, lang in EXTENSIONS.items():
        if name.lower().endswith(ext):
            return lang
    return "python" if text and _parses(text) and _looks_python(text) else (tag.lower() or "text")


def _parses(text: str) -> bool:
    try:
        ast.parse(textwrap.dedent(text))
    except (SyntaxError, ValueError):
        return False
    return True


def _looks_python(text: str) -> bool:
    return bool(re.search(r"^\s*(def |class |import |from \S+ import )|\w\(.*\)", text, re.M))


def from_text(text: str) -> list[CodeFile]:
    """Code in a chat message: fenced blocks (and diffs inside them), else bare code lines."""
    files: list[CodeFile] = []
    fenced = list(FENCE.finditer(text or ""))
    for index, match in enumerate(fenced, start=1):
        tag, body = match.group(1), match.group(2)
        if tag.lower() in ("diff", "patch") or _is_diff(body):
            files.extend(from_diff(body))
            continue
        name = f"snippet_{index}"
        files.append(_block(name, language_of(name, tag, body), body))
    if fenced:
        return files
    if _is_diff(text or ""):
        return from_diff(text)
    bare = _bare_code(text or "")
    if bare:
        first, body = bare
        files.append(_block("snippet_1", language_of("", "", body), body, first))
    return files


def _block(name: str, language: str, body: str, first: int = 1) -> CodeFile:
    body = textwrap.dedent(body.rstrip("\n"))
    count = body.count("\n") + 1
    return CodeFile(name, language, body + "\n", list(range(first, first + count)))


def _bare_code(text: str) -> tuple[int, str] | None:
    """The longest run of code-looking lines (prose around it dropped), 2 lines at least."""
    best: tuple[int, list[str]] | None = None
    run: list[str] = []
    start = 0
    lines = text.splitlines()
    for number, line in enumerate([*lines, ""], start=1):
        if not run:  # "review this: def load(path):" - the code starts after the prose
            prefixed = PROSE_THEN_CODE.match(line)
            line = prefixed.group(1) if prefixed else line
        codeish = bool(CODE_LINE.match(line)) or (bool(run) and line.startswith((" ", "\t")))
        if codeish and line.strip():
            if not run:
                start = number
            run.append(line)
            continue
        if len(run) >= 2 and (best is None or len(run) > len(best[1])):
            best = (start, run)
        run = []
    if best is None:
        return None
    return best[0], "\n".join(best[1])


def _is_diff(text: str) -> bool:
    return bool(re.search(r"^@@ -\d+(?:,\d+)? \+\d+", text, re.M))


def from_diff(diff: str, default_name: str = "patch") -> list[CodeFile]:
    """A unified diff (possibly several files): per file, the new side of each hunk."""
    files: list[CodeFile] = []
    name = default_name
    chunks: dict[str, list[str]] = {}
    for line in diff.splitlines():
        if line.startswith("+++ "):
            name = line[4:].strip()
            name = name[2:] if name.startswith("b/") else name
            continue
        if line.startswith(("--- ", "diff --git", "index ")):
            continue
        chunks.setdefault(name, []).append(line)
    for path, lines in chunks.items():
        if path == "/dev/null":
            continue
        files.append(from_patch(path, "\n".join(lines)))
    return [f for f in files if f.text.strip()]


def from_patch(path: str, patch: str) -> CodeFile:
    """GitHub's `patch` of one file: hunks only. Keeps the new side with its line numbers."""
    text: list[str] = []
    numbers: list[int] = []
    added: set[int] = set()
    current = 0
    for line in patch.splitlines():
        hunk = HUNK.match(line)
        if hunk:
            current = int(hunk.group(1))
            continue
        if current == 0 or line.startswith("-") or line.startswith("\\"):
            continue
        content = line[1:] if line[:1] in ("+", " ") else line
        if line.startswith("+"):
            added.add(current)
        text.append(content)
        numbers.append(current)
        current += 1
    body = "\n".join(text)
    dedented = textwrap.dedent(body)
    return CodeFile(path, language_of(path, "", dedented), dedented + "\n", numbers, added)
