"""Reading what a person types or pastes into interactive `bmad chat`.

Why prompt_toolkit: a terminal delivers a pasted block line by line, so a plain `input()`
loop turned one pasted stack trace into twenty turns, and notices printed by the
background thread landed in the middle of the half-typed prompt line. prompt_toolkit
understands bracketed paste (the terminal marks the start and end of a paste: the whole
block lands in the input buffer, Enter sends it as one message) and `patch_stdout`
prints other threads' output above the prompt and redraws it. Terminals without
bracketed paste still get a block as one message when it is fenced with ``` (the message
continues until the fence closes) or when its first line ends with ":" (it continues
until a blank line).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Read = Callable[[str], str]
PROMPT = "> "
CONTINUATION = ". "
FENCE = "```"


def collect_message(read: Read) -> str:
    """One message: a line, or a fenced / colon-opened block of lines."""
    first = read(PROMPT)
    lines = [first]
    if first.count(FENCE) % 2 == 1:
        while "\n".join(lines).count(FENCE) % 2 == 1:
            try:
                lines.append(read(CONTINUATION))
            except EOFError:
                break
    elif first.rstrip().endswith(":") and "\n" not in first:
        while True:
            try:
                line = read(CONTINUATION)
            except EOFError:
                break
            if not line.strip():
                break
            lines.append(line)
    return "\n".join(lines)


def prompt_reader(**session_options: Any) -> Read:
    """A `read(prompt)` backed by a prompt_toolkit session (bracketed paste on)."""
    from prompt_toolkit import PromptSession

    session: PromptSession[str] = PromptSession(**session_options)

    def read(prompt: str) -> str:
        return session.prompt(prompt)

    return read


@contextmanager
def notices_above_prompt() -> Iterator[None]:
    """While active, output from any thread is printed above the prompt line."""
    from prompt_toolkit.patch_stdout import patch_stdout

    with patch_stdout(raw=True):
        yield
