"""A Sentry ingest stand-in: accepts envelopes (POST /api/<project>/envelope/), gzip or not,
and keeps their items, so the real sentry-sdk transport runs unchanged."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.http_server import LocalHTTPServer
from tests.polling import wait_until


def parse_envelope(body: bytes) -> list[tuple[dict[str, Any], bytes]]:
    """Items of a Sentry envelope: (item header, payload bytes)."""
    _header, _, rest = body.partition(b"\n")
    items = []
    while rest.strip():
        line, _, rest = rest.partition(b"\n")
        item = json.loads(line)
        length = item.get("length")
        if length is None:
            payload, _, rest = rest.partition(b"\n")
        else:
            payload, rest = rest[:length], rest[length + 1 :]
        items.append((item, payload))
    return items


def _exception_types(event: dict[str, Any]) -> list[str]:
    return [v.get("type", "") for v in (event.get("exception") or {}).get("values", [])]


class SentryReceiver(LocalHTTPServer):
    PROJECT = "42"
    KEY = "publickey0123456789"

    def __init__(self) -> None:
        super().__init__()
        self.raw: list[bytes] = []
        self.events: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    @property
    def dsn(self) -> str:
        return f"http://{self.KEY}@{self.host}:{self.port}/{self.PROJECT}"

    def wait_for_event(self, timeout: float = 10.0, exception: str | None = None) -> dict[str, Any]:
        """The first event received; with `exception`, the first whose exception has that
        type (the process's background threads may report errors of their own meanwhile)."""

        def first() -> dict[str, Any]:
            with self._lock:
                for event in self.events:
                    if exception is None or exception in _exception_types(event):
                        return event
            return {}

        return wait_until(first, timeout, f"no Sentry event arrived (exception={exception!r})")

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                ok = self.path == f"/api/{receiver.PROJECT}/envelope/"
                if ok:
                    with receiver._lock:
                        receiver.raw.append(body)
                        for item, payload in parse_envelope(body):
                            if item.get("type") == "event":
                                receiver.events.append(json.loads(payload))
                self.send_response(200 if ok else 404)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b"{}")

        return Handler
