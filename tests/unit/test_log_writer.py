"""Log lines written on an event loop are batched per turn of the loop (issue 13: the access
line's write was the largest cost left on the Slack ack path); nothing is lost or reordered,
and lines from other threads are written at once."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import subprocess
import sys
import threading

import pytest

from integrations.observability.logging import configure_logging, get_logger


class CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


def _stream(monkeypatch: pytest.MonkeyPatch) -> CountingStream:
    """Patched in the test body: pytest's own capture sets `sys.stderr` again after setup."""
    counting = CountingStream()
    monkeypatch.setattr(sys, "stderr", counting)
    return counting


def _events(text: str) -> list[str]:
    return [json.loads(line)["event"] for line in text.splitlines()]


def test_lines_of_one_loop_turn_are_written_together_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _stream(monkeypatch)
    configure_logging("INFO", json=True, loop_batched=True)
    log = get_logger("bmad.access")

    async def serve() -> tuple[str, str]:
        for i in range(50):
            log.info(f"line-{i}")
        logging.getLogger("uvicorn.error").warning("library line")
        during_turn = stream.getvalue()
        await asyncio.sleep(0)  # the next turn of the loop writes them
        await asyncio.sleep(0)
        return during_turn, stream.getvalue()

    during_turn, after = asyncio.run(serve())
    assert during_turn == ""
    assert _events(after) == [f"line-{i}" for i in range(50)] + ["library line"]
    assert stream.writes == 1


def test_lines_off_the_loop_are_written_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _stream(monkeypatch)
    configure_logging("INFO", json=True, loop_batched=True)
    get_logger("bmad").info("from the main thread")
    assert _events(stream.getvalue()) == ["from the main thread"]
    worker = threading.Thread(target=lambda: get_logger("bmad").info("from a thread"))
    worker.start()
    worker.join()
    assert _events(stream.getvalue()) == ["from the main thread", "from a thread"]


def test_without_loop_batching_every_line_is_written_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _stream(monkeypatch)
    configure_logging("INFO", json=True)

    async def serve() -> str:
        get_logger("bmad").info("one")
        return stream.getvalue()

    assert _events(asyncio.run(serve())) == ["one"]


def test_lines_still_waiting_when_the_process_exits_are_written() -> None:
    """A loop stopped before its next turn (no flush scheduled ever runs): the exit writes."""
    script = (
        "import asyncio\n"
        "from integrations.observability.logging import configure_logging, get_logger\n"
        "configure_logging('INFO', json=True, loop_batched=True)\n"
        "loop = asyncio.new_event_loop()\n"
        "async def last():\n"
        "    get_logger('bmad').info('last words')\n"
        "    loop.stop()\n"
        "loop.create_task(last())\n"
        "loop.run_forever()\n"
        "loop.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert _events(done.stderr) == ["last words"]
