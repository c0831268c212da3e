"""A local HTTP receiver for outbound webhooks: scripted status codes, every request kept.

with Receiver([500, 500, 200]) as rx:   # fail twice, then accept (last code repeats)
    ... rx.url, rx.requests
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.http_server import DaemonHTTPServer, LocalHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class _Server(DaemonHTTPServer):
    request_queue_size = 64


class Receiver(LocalHTTPServer):
    server_class = _Server

    def __init__(self, statuses: list[int], delay: float = 0.0) -> None:
        super().__init__()
        self.statuses = list(statuses)
        self.delay = delay  # seconds before answering, like a slow receiver
        self.requests: list[Received] = []
        self._lock = threading.Lock()

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like a real receiver
            disable_nagle_algorithm = True  # headers and body are separate writes

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                    )
                    index = len(receiver.requests) - 1
                    status = receiver.statuses[min(index, len(receiver.statuses) - 1)]
                if receiver.delay:
                    time.sleep(receiver.delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

        return Handler

    @property
    def url(self) -> str:
        return f"{self.base_url}/hooks/bmad"
