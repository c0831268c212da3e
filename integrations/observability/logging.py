"""One structured log stream: structlog renders every line, ours and every library's.

structlog is the formatter of the stdlib root logger (`ProcessorFormatter`), so uvicorn,
Celery, SQLAlchemy, alembic and httpx lines come out as the same JSON objects as ours. Every
line carries the context bound with `bind_context(...)` (request_id, conversation_id,
run_id, tenant_id), and `trace_id` / `span_id` when an OpenTelemetry span is active.
Secrets are redacted at any depth, by key name and by the look of known token formats, as a
last line of defence.
"""

from __future__ import annotations

import functools
import logging
import multiprocessing
import re
import sys
from collections.abc import Mapping
from typing import Any

import structlog
from opentelemetry import trace
from structlog.typing import EventDict

from integrations.observability.log_writer import WRITER

_SECRET_WORDS = (
    "token",
    "secret",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "authorization",
    "signature",
    "cookie",
    "private_key",
    "dsn",
)
# Vendor token shapes that may hide in free text (URLs, error messages, SQL parameters).
_SECRET_PATTERNS = re.compile(
    r"(xox[abposr]-[A-Za-z0-9-]{8,}"  # Slack tokens
    r"|xapp-[A-Za-z0-9-]{8,}"
    r"|sk[-_](?:live|test|proj)?[-_]?[A-Za-z0-9]{12,}"  # OpenAI / Stripe secret keys
    r"|rk_(?:live|test)_[A-Za-z0-9]{12,}"
    r"|whsec_[A-Za-z0-9+/=]{8,}"
    r"|SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}"  # SendGrid
    r"|gh[pousr]_[A-Za-z0-9]{20,}"  # GitHub
    r"|(?i:bearer)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|://[^/\s:@]+:[^/\s@]+@)"  # credentials in a URL
)
# `password=...`, `"api_key": "..."` inside text (formatted dicts, query strings, SQL params).
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)((?:" + "|".join(_SECRET_WORDS) + r")[\w-]*['\"]?\s*[:=]\s*['\"]?)([^'\"&,;\s}]+)"
)
REDACTED = "***"
MAX_DEPTH = 12
# Chatty libraries: their INFO lines repeat what our own lines say (and URLs may hold tokens).
QUIET_LOGGERS = {n: "WARNING" for n in ("httpx", "httpx2", "httpcore", "urllib3")}


_COUNTS = ("tokens", "_count", "_at", "_seconds", "_ms", "_id")  # `tokens=1200` is no secret


def _is_secret_key(key: object) -> bool:
    return isinstance(key, str) and _is_secret_name(key)


@functools.lru_cache(maxsize=4096)
def _is_secret_name(key: str) -> bool:
    lowered = key.lower()
    return any(w in lowered for w in _SECRET_WORDS) and not lowered.endswith(_COUNTS)


# Cheap substring checks first: almost every log string has none of these, and the regexes
# would otherwise run on every value of every line (the ack path logs one line a request).
_TOKEN_MARKERS = ("xox", "xapp-", "sk-", "sk_", "rk_", "whsec_", "sg.", "gh", "bearer", "://")
_MAYBE_SECRET = re.compile("|".join(map(re.escape, _TOKEN_MARKERS + _SECRET_WORDS)))
# Keys our processors and the access line fill with ids, names and numbers, never secrets.
_SAFE_KEYS = frozenset(
    {"timestamp", "level", "logger", "process", "request_id", "trace_id", "span_id"}
    | {"method", "route", "status", "ms", "tenant_id", "run_id", "conversation_id", "step"}
)


def _scrub_text(text: str) -> str:
    if len(text) < 6 or not _MAYBE_SECRET.search(text.lower()):
        return text

    def hide(match: re.Match[str]) -> str:
        found = match.group(0)
        return "://***@" if found.startswith("://") else REDACTED

    text = _SECRET_PATTERNS.sub(hide, text)
    return _SECRET_ASSIGNMENT.sub(lambda m: m.group(1) + REDACTED, text)


def redact(value: Any, depth: int = 0) -> Any:
    """A copy of `value` with secrets replaced, however deeply they are nested."""
    if depth > MAX_DEPTH:
        return REDACTED
    if isinstance(value, str):
        return _scrub_text(value)
    if isinstance(value, Mapping):
        return {
            k: REDACTED if _is_secret_key(k) and v else redact(v, depth + 1)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(v, depth + 1) for v in value]
    if hasattr(value, "get_secret_value"):  # pydantic SecretStr
        return REDACTED
    return value


def _redact(_logger: Any, _name: str, event: EventDict) -> EventDict:
    for k in list(event):
        if k in _SAFE_KEYS or k.startswith("_"):  # `_`: structlog's own (the stdlib record)
            continue
        if _is_secret_key(k) and event[k]:
            event[k] = REDACTED
        else:
            event[k] = redact(event[k])
    return event


def _add_trace_ids(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """trace_id / span_id of the active OpenTelemetry span (nothing when tracing is off)."""
    ctx = trace.get_current_span().get_span_context()
    if ctx.is_valid:
        event.setdefault("trace_id", format(ctx.trace_id, "032x"))
        event.setdefault("span_id", format(ctx.span_id, "016x"))
    return event


def _process_name(_logger: Any, _name: str, event: EventDict) -> EventDict:
    record = event.get("_record")
    if record is not None:
        event.setdefault("process", record.processName)
    return event


class _CurrentStderrHandler(logging.Handler):
    """The stdlib root logger's handler: library records go the way our own lines go."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        WRITER.write(line)

    def handleError(self, record: logging.LogRecord) -> None:
        if sys.stderr is not None and not getattr(sys.stderr, "closed", False):
            super().handleError(record)


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
        _add_trace_ids,
    ]


def _drop_color_message(_logger: Any, _name: str, event: EventDict) -> EventDict:
    """uvicorn adds an ANSI-coloured copy of its message as an extra; the plain one is kept."""
    event.pop("color_message", None)
    return event


def _current_process(logger: Any, _name: str, event: EventDict) -> EventDict:
    event.setdefault("logger", getattr(logger, "name", "bmad"))
    event.setdefault("process", multiprocessing.current_process().name)
    return event


def _to_sentry(_logger: Any, method: str, event: EventDict) -> EventDict:
    """Our error lines reach Sentry (when configured) like the stdlib ones do through its
    logging integration: the exception when there is one, else the event name."""
    if method in ("error", "exception", "critical") and "sentry_sdk" in sys.modules:
        import sentry_sdk

        if sentry_sdk.get_client().is_active():
            exc = event.get("exc_info")
            if exc is True:
                exc = sys.exc_info()
            if isinstance(exc, tuple) and exc[1] is not None:
                sentry_sdk.capture_exception(exc[1])
            elif isinstance(exc, BaseException):
                sentry_sdk.capture_exception(exc)
            else:
                sentry_sdk.capture_message(str(event.get("event")), level="error")
    return event


def configure_logging(
    level: str = "INFO", json: bool = True, *, loop_batched: bool = False
) -> None:
    """One stream on stderr: our structlog lines and every stdlib logger's records, alike.

    `loop_batched` (the web process): lines logged on an event loop are written once per turn
    of the loop (see `log_writer`); off, every line is written when it is logged.

    Two routes, one format: our own loggers render directly (no stdlib LogRecord round
    trip: the ack path logs one line per request, ~16 us instead of ~55 us of CPU), and
    the stdlib root logger's handler formats library records with the same processors.
    """
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.ExtraAdder(),
            _drop_color_message,
            *_shared_processors(),
            structlog.stdlib.add_logger_name,
        ],
        processors=[
            _process_name,
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _redact,
            renderer,
        ],
    )
    WRITER.loop_batched = loop_batched
    handler = _CurrentStderrHandler()
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    # Libraries that install their own handlers (uvicorn, Celery, alembic): theirs go, the
    # records propagate to the root handler above.
    for name in ("uvicorn", "uvicorn.error", "celery", "alembic", "sqlalchemy"):
        lib = logging.getLogger(name)
        lib.handlers.clear()
        lib.propagate = True
    logging.captureWarnings(True)
    structlog.configure(
        processors=[
            *_shared_processors(),
            _current_process,
            _to_sentry,
            structlog.processors.format_exc_info,
            _redact,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=_current_stderr_logger,
        cache_logger_on_first_use=False,
    )


class _CurrentStderrLogger:
    """structlog's output for our own lines: the shared `log_writer.WRITER`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def msg(self, message: str) -> None:
        WRITER.write(message)

    log = debug = info = warn = warning = error = err = critical = exception = fatal = msg


def _current_stderr_logger(*args: Any) -> _CurrentStderrLogger:
    return _CurrentStderrLogger(str(args[0]) if args else "bmad")


def get_logger(name: str) -> Any:
    return structlog.get_logger(name)


bind_context = structlog.contextvars.bind_contextvars
clear_context = structlog.contextvars.clear_contextvars
bound_context = structlog.contextvars.bound_contextvars
