"""Interactive `bmad chat` as a person uses it (issue 11, point 8): a pasted multi-line
block is one message, and notices never print into the prompt line."""

from __future__ import annotations

import io
import sys
import threading

import pytest
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from prompt_toolkit.output.vt100 import Vt100_Output

from bot.console import ConsoleSession
from bot.console_input import collect_message, notices_above_prompt, prompt_reader
from integrations.settings import Settings
from tests.polling import wait_until

PASTE = "review this please\r\n```\r\ndef total(items):\r\n    return sum(items)\r\n```"


def scripted(lines: list[str]):  # type: ignore[no-untyped-def]
    queue = list(lines)

    def read(prompt: str) -> str:
        if not queue:
            raise EOFError
        return queue.pop(0)

    return read


def test_bracketed_paste_is_one_message() -> None:
    with create_pipe_input() as pipe:
        read = prompt_reader(input=pipe, output=DummyOutput())
        # The terminal wraps a paste in ESC[200~ ... ESC[201~; Enter then sends it.
        pipe.send_text("\x1b[200~" + PASTE + "\x1b[201~\r")
        text = collect_message(read)
    assert text.splitlines() == [
        "review this please",
        "```",
        "def total(items):",
        "    return sum(items)",
        "```",
    ]


def test_typed_lines_without_paste_are_separate_messages() -> None:
    with create_pipe_input() as pipe:
        read = prompt_reader(input=pipe, output=DummyOutput())
        pipe.send_text("deploy checkout\rto staging\r")
        assert collect_message(read) == "deploy checkout"
        assert collect_message(read) == "to staging"


def test_a_fenced_block_continues_until_the_fence_closes() -> None:
    read = scripted(["review this", "```", "x = 1", "", "y = 2", "```", "next"])
    # The fence opens on the second line here, so the first line is its own message...
    assert collect_message(read) == "review this"
    read = scripted(["review this ```", "x = 1", "", "y = 2", "```", "next"])
    # ...and a line that opens a fence keeps reading, blank lines included.
    assert collect_message(read) == "review this ```\nx = 1\n\ny = 2\n```"
    assert collect_message(read) == "next"


def test_a_colon_line_opens_a_block_until_a_blank_line() -> None:
    read = scripted(["release notes for v2.1, changes:", "- pdf export", "- dark mode", "", "hi"])
    assert collect_message(read) == "release notes for v2.1, changes:\n- pdf export\n- dark mode"
    assert collect_message(read) == "hi"


def test_interactive_console_sends_a_pasted_block_as_one_turn(
    embedded_settings: Settings, tenant_id: str
) -> None:
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "paste", out=printed.append)
    session.prepare()
    sent: list[str] = []
    original = session.send

    def send(text: str):  # type: ignore[no-untyped-def]
        sent.append(text)
        return original(text)

    session.send = send  # type: ignore[method-assign]
    block = ["Kun je deze code reviewen? ```", "def f(x):", "    return x * 2", "```"]
    session.run_interactive(scripted([*block, "exit"]))
    assert sent == ["\n".join(block)]
    assert any("review" in p.lower() or "aan de slag" in p.lower() for p in printed[1:])


class _Terminal:
    """A terminal screen: everything written to it, in order."""

    encoding = "utf-8"

    def __init__(self) -> None:
        self.data: list[str] = []
        self.lock = threading.Lock()

    def write(self, text: str) -> int:
        with self.lock:
            self.data.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        raise io.UnsupportedOperation("not a real terminal")

    def shown(self) -> str:
        with self.lock:
            return "".join(self.data)

    def wait_for(self, text: str, timeout: float = 10.0) -> None:
        wait_until(lambda: text in self.shown(), timeout, f"{text!r} never shown", interval=0.01)


def test_notices_print_above_the_prompt_not_into_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the prompt open and a line half typed, another thread prints a notice: the
    notice gets its own line and the prompt, with what was typed, is drawn again below."""
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    output = Vt100_Output(terminal, lambda: Size(rows=24, columns=80))  # type: ignore[arg-type]
    result: list[str] = []
    with create_pipe_input() as pipe:
        read = prompt_reader(input=pipe, output=output)
        with notices_above_prompt():
            reader = threading.Thread(target=lambda: result.append(read("> ")))
            reader.start()
            pipe.send_text("deploy chec")
            terminal.wait_for("deploy chec")
            print("Run 7 finished.")
            terminal.wait_for("Run 7 finished.")
            pipe.send_text("kout\r")
            reader.join(10)
    assert result == ["deploy checkout"]
    shown = terminal.shown()
    notice = shown.index("Run 7 finished.")
    before, after = shown[:notice], shown[notice:]
    # The prompt line was erased (cursor back, erase to end of screen: ESC[J) before the
    # notice was written, so the notice did not land after "> deploy chec"...
    assert "\x1b[J" in before[before.rindex("deploy chec") :]
    # ...and the prompt with the half-typed line is drawn again below the notice.
    assert "> deploy chec" in after
