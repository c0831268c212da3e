"""Prometheus metrics across processes: `serve --workers N` and Celery's prefork pool.

Why: each process keeps its own counters, so a step recorded in a Celery pool child was
invisible to every scrape (0 step-duration samples after ~60 runs). prometheus_client's
multiprocess mode has each process write its samples to a file in `PROMETHEUS_MULTIPROC_DIR`
and a collector that sums the files. The directory must be chosen before the first metric
exists, so `bot.cli.entry` calls `prepare_for_command` before importing anything else.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"
COMMANDS = ("serve", "worker")  # worker: always (prefork pool); serve: with --workers N > 1


def prepare_for_command(argv: list[str]) -> str | None:
    """Turn multiprocess mode on for `serve` / `worker`; returns the directory used.

    An operator-set `PROMETHEUS_MULTIPROC_DIR` is used (and emptied: samples of a previous
    container life would be summed in); otherwise a fresh temporary directory.
    """
    command = next((a for a in argv if not a.startswith("-")), None)
    if command not in COMMANDS:
        return None
    if command == "serve" and _workers(argv) <= 1:
        return None  # one process: its own registry is already complete
    path = os.environ.get(ENV)
    if path:
        Path(path).mkdir(parents=True, exist_ok=True)
        for stale in Path(path).glob("*.db"):
            stale.unlink(missing_ok=True)
    else:
        path = tempfile.mkdtemp(prefix="bmad-metrics-")
        os.environ[ENV] = path
    return path


def _workers(argv: list[str]) -> int:
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--workers=") else None
        if arg == "--workers" and i + 1 < len(argv):
            value = argv[i + 1]
        if value is not None:
            return int(value) if value.isdigit() else 1
    return 1


def enabled() -> bool:
    return bool(os.environ.get(ENV))


def render() -> tuple[bytes, str]:
    """The exposition text of this process, or of all processes in multiprocess mode."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
    from prometheus_client.multiprocess import MultiProcessCollector

    if not enabled():
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    return generate_latest(registry), CONTENT_TYPE_LATEST


def serve_metrics(port: int, addr: str = "0.0.0.0") -> object | None:
    """Serve `render()` on its own port (the worker has no HTTP app); None when it cannot."""
    from prometheus_client import REGISTRY, CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    registry = REGISTRY
    if enabled():
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    server, _thread = start_http_server(port, addr=addr, registry=registry)
    return server


def mark_process_dead(pid: int) -> None:
    """Drop a finished process's live gauges (Celery pool child replaced, uvicorn worker)."""
    if enabled():
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid)
