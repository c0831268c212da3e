"""CPU cost of one JSON log line (structlog formatting the stdlib root logger).

The Slack ack path writes one access line per request, so this is per-request overhead.
Measures process CPU time (not wall time: the machine is shared) for our own lines and for
a library's stdlib line, output to /dev/null. Prints one JSON line.

    .venv/bin/python -m benchmarks.log_lines
"""

from __future__ import annotations

import json
import logging
import sys
import time

from integrations.observability.logging import configure_logging, get_logger

LINES = 5000
ROUNDS = 5


def _best(emit) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        for _ in range(LINES):
            emit()
        best = min(best, (time.process_time() - start) / LINES)
    return round(best * 1e6, 1)


def main() -> None:
    configure_logging("INFO", json=True)
    real = sys.stderr
    sys.stderr = open("/dev/null", "w")  # noqa: SIM115 - restored below
    try:
        ours = get_logger("bmad.access")
        lib = logging.getLogger("uvicorn.error")
        access = _best(
            lambda: ours.info(
                "http_request", method="POST", route="/slack/events", status=200, ms=1.2
            )
        )
        nested = _best(
            lambda: ours.info("call", payload={"a": [{"b": {"token": "x", "ok": 1}}] * 3})
        )
        foreign = _best(lambda: lib.info("Started server process [%d]", 42))
    finally:
        sys.stderr.close()
        sys.stderr = real
    print(
        json.dumps(
            {
                "benchmark": "log_lines",
                "cpu_us_access_line": access,
                "cpu_us_nested_redacted_line": nested,
                "cpu_us_stdlib_library_line": foreign,
            }
        )
    )


if __name__ == "__main__":
    main()
