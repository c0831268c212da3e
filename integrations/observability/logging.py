"""structlog set-up: JSON lines with contextvars (conversation_id, run_id, tenant_id).

Bind ids with `bind_context(...)` at the start of a turn or step; every log line of that
unit of work then carries them. Secrets are redacted by key name as a last line of defence.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from typing import Any

import structlog

_SECRET_WORDS = ("token", "secret", "password", "api_key", "authorization", "signature")


def _redact(_logger: Any, _name: str, event: dict[str, Any]) -> dict[str, Any]:
    for k in list(event):
        if any(w in k.lower() for w in _SECRET_WORDS):
            event[k] = "***"
    return event


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    logging.basicConfig(format="%(message)s", stream=sys.stderr, level=level.upper(), force=True)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_current_stderr_logger,
        cache_logger_on_first_use=False,
    )


class _CurrentStderrLogger:
    """Prints to whatever `sys.stderr` is at write time, not the one seen at configuration.

    Why: an in-process CLI run (tests, `CliRunner`) configures logging while `sys.stderr` is
    a temporary capture; binding that stream made every later log line (other tests,
    background threads) raise "I/O operation on closed file".
    """

    def msg(self, message: str) -> None:
        # A closed current stream: drop the line, never crash the caller.
        with contextlib.suppress(ValueError):
            print(message, file=sys.stderr, flush=True)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


def _current_stderr_logger(*_args: Any) -> _CurrentStderrLogger:
    return _CurrentStderrLogger()


def get_logger(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)


bind_context = structlog.contextvars.bind_contextvars
clear_context = structlog.contextvars.clear_contextvars
bound_context = structlog.contextvars.bound_contextvars
