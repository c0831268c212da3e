"""The start/stop scaffold every local HTTP fake shares, so each fake only says what it answers.

A subclass implements `make_handler()` (a `BaseHTTPRequestHandler` class, usually closing over
the fake) and gets a threaded server on a free local port, `base_url`, `start()`/`stop()` and
the context manager:

    class FakeThing(LocalHTTPServer):
        def make_handler(self) -> type[BaseHTTPRequestHandler]:
            class Handler(BaseHTTPRequestHandler): ...
            return Handler

    with FakeThing() as server:
        ... server.base_url
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


class DaemonHTTPServer(ThreadingHTTPServer):
    """Request threads never keep the test process alive."""

    daemon_threads = True


class LocalHTTPServer:
    """Threaded HTTP server on a free local port; use as a context manager."""

    #: Subclass `DaemonHTTPServer` to change e.g. `request_queue_size` (the listen backlog).
    server_class: type[ThreadingHTTPServer] = DaemonHTTPServer
    #: How often `serve_forever` looks for a shutdown request (seconds).
    poll_interval: float = 0.5

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class this fake serves with."""
        raise NotImplementedError

    @property
    def port(self) -> int:
        assert self._server is not None, "server not started"
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """`http://host:port` of the running server."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        self._server = self.server_class((self.host, 0), self.make_handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
