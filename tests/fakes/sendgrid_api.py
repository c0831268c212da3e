"""A local stand-in for SendGrid's v3 Mail Send API (`POST /v3/mail/send`).

Why: the real `sendgrid` SDK (request building, auth header, error mapping) must run in
tests; point `SENDGRID_API_HOST` at `server.base_url`. Answers 202 with an
`X-Message-Id`, like SendGrid; `fail_next(status)` scripts failures.

Also signs event-webhook bodies the way SendGrid does (ECDSA P-256 over SHA-256 of
timestamp + payload, base64 DER) with a key pair generated per instance.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.fakes.http_server import LocalHTTPServer


class EventSigner:
    """A generated ECDSA key pair standing in for the account's event-webhook key."""

    def __init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # SendGrid shows the key as base64 DER without PEM armour.
        self.public_key = base64.b64encode(der).decode()

    def sign(self, payload: str, timestamp: str | None = None) -> dict[str, str]:
        ts = timestamp or str(int(time.time()))
        signature = self._key.sign((ts + payload).encode(), ec.ECDSA(hashes.SHA256()))
        return {
            "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
            "X-Twilio-Email-Event-Webhook-Timestamp": ts,
        }


class FakeSendGrid(LocalHTTPServer):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.messages: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._failures: list[tuple[int, str | None]] = []
        self._lock = threading.Lock()

    def fail_next(self, status: int = 500, times: int = 1, to: str | None = None) -> None:
        """Fail the next `times` sends (only those to `to`, when given) with `status`."""
        with self._lock:
            self._failures.extend([(status, to)] * times)

    def _scripted_failure(self, body: dict[str, Any]) -> int | None:
        rcpts = {p["email"] for x in body.get("personalizations", []) for p in x.get("to", [])}
        for i, (status, to) in enumerate(self._failures):
            if to is None or to in rcpts:
                del self._failures[i]
                return status
        return None

    def recipients(self) -> list[str]:
        return [p["email"] for m in self.messages for x in m["personalizations"] for p in x["to"]]

    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any] | None = None) -> None:
                raw = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                if status == 202:
                    self.send_header("X-Message-Id", uuid.uuid4().hex[:22])
                self.end_headers()
                self.wfile.write(raw)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path.split("?")[0] != "/v3/mail/send":
                    self._reply(404, {"errors": [{"message": "not found"}]})
                    return
                if not self.headers.get("Authorization", "").startswith("Bearer "):
                    self._reply(401, {"errors": [{"message": "authorization required"}]})
                    return
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError:
                    self._reply(400, {"errors": [{"message": "Bad Request", "field": None}]})
                    return
                with fake._lock:
                    status = fake._scripted_failure(body)
                    if status is not None:
                        self._reply(status, {"errors": [{"message": "scripted"}]})
                        return
                    missing = [k for k in ("personalizations", "from", "subject") if k not in body]
                    if missing or not body.get("content"):
                        self._reply(400, {"errors": [{"message": f"missing {missing}"}]})
                        return
                    fake.messages.append(body)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                self._reply(202)

        return Handler
