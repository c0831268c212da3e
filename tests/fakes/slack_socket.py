"""A local stand-in for Slack's Socket Mode websocket, for `bmad slack socket` tests.

Slack's side of the protocol: the app calls `apps.connections.open` (answered by the fake
Web API with this server's `ws://` URL), connects, receives `{"type": "hello"}`, then gets
envelopes (`events_api`, `slash_commands`, `interactive`) and must answer each with
`{"envelope_id": ...}` (plus a `payload` for commands that answer in the ack). The real
`slack_sdk` Socket Mode client runs against it.

    with FakeSocketMode() as socket:
        slack.responders["apps.connections.open"] = socket.open_connection
        socket.wait_connected()
        envelope_id = socket.push("events_api", event_callback_dict)
        ack = socket.wait_ack(envelope_id)
"""

from __future__ import annotations

import json
import threading
import uuid
from contextlib import suppress
from typing import Any

from websockets.sync.server import Server, ServerConnection, serve

from tests.polling import wait_until


class FakeSocketMode:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.acks: dict[str, dict[str, Any]] = {}
        self._connections: list[ServerConnection] = []
        self._lock = threading.Lock()
        self._server: Server | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return f"ws://{self.host}:{self._server.socket.getsockname()[1]}/link"

    def open_connection(self, _params: dict[str, Any]) -> dict[str, Any]:
        """The answer of `apps.connections.open`."""
        return {"ok": True, "url": self.url}

    def _handle(self, connection: ServerConnection) -> None:
        connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "connection_info": {"app_id": "AFAKE00001"},
                    "debug_info": {"host": "fake", "approximate_connection_time": 3600},
                }
            )
        )
        with self._lock:
            self._connections.append(connection)
        for raw in connection:
            message = json.loads(raw)
            with self._lock:
                if "envelope_id" in message:
                    self.acks[message["envelope_id"]] = message

    def wait_connected(self, timeout: float = 20.0) -> None:
        def connected() -> bool:
            with self._lock:
                return bool(self._connections)

        wait_until(connected, timeout, "the app did not connect over Socket Mode")

    def push(self, kind: str, payload: dict[str, Any]) -> str:
        envelope_id = str(uuid.uuid4())
        envelope = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
            "retry_attempt": 0,
            "retry_reason": "",
        }
        with self._lock:
            connection = self._connections[-1]
        connection.send(json.dumps(envelope))
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout: float = 10.0) -> dict[str, Any] | None:
        """The app's ack of `envelope_id`; None if it did not ack within `timeout`."""

        def acked() -> dict[str, Any] | None:
            with self._lock:
                return self.acks.get(envelope_id)

        with suppress(AssertionError):
            return wait_until(acked, timeout, f"the ack of {envelope_id}")
        return None

    def start(self) -> FakeSocketMode:
        self._server = serve(self._handle, self.host, 0)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
