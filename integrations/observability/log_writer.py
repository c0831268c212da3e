"""Where finished log lines go: the current `sys.stderr`, batched per turn of an event loop.

Why batched: the web process logs an access line for every request, and one write per line
(a syscall that also wakes whatever reads the log) was the largest cost left on the Slack
ack path. With batching on, lines logged on an event loop's thread are kept until the loop's
next turn and written together - nginx's `access_log ... buffer=` idea, bounded by one turn
of the loop rather than a size or a timer, so a crash loses at most that turn's lines.
Lines from any other thread (the publisher thread, Celery, the CLI) are written at once, and
lines a stopped loop never got to write are written when the process exits.

Why the *current* `sys.stderr` at write time, not the one seen at configuration: an
in-process CLI run (tests, `CliRunner`) configures logging while `sys.stderr` is a temporary
capture; binding that stream made every later line raise "I/O operation on closed file".
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import sys


class LineWriter:
    def __init__(self) -> None:
        self.loop_batched = False
        # One list per running loop (each touched only by its loop's thread).
        self._pending: dict[asyncio.AbstractEventLoop, list[str]] = {}

    def write(self, line: str) -> None:
        if self.loop_batched:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                pass  # not on an event loop: write now
            else:
                pending = self._pending.get(loop)
                if pending is None:
                    pending = self._pending[loop] = []
                    loop.call_soon(self._flush, loop)
                pending.append(line)
                return
        _write(line)

    def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        lines = self._pending.pop(loop, None)
        if lines:
            _write("\n".join(lines))

    def flush_all(self) -> None:
        for loop in list(self._pending):
            self._flush(loop)


def _write(text: str) -> None:
    stream = sys.stderr
    if stream is None:
        return
    # A closed current stream: drop the lines, never crash the caller.
    with contextlib.suppress(ValueError):
        stream.write(text + "\n")
        stream.flush()


WRITER = LineWriter()
atexit.register(WRITER.flush_all)
