"""A local stand-in for the Stripe API, speaking its wire format (form-encoded in, JSON out).

Why: the real `stripe` SDK must run end to end (auth header, form encoding of nested
params, idempotency keys, error decoding). Point `STRIPE_API_BASE` at `server.base_url`.

Supported: customers (create/retrieve), checkout/sessions, billing_portal/sessions,
billing/meter_events (identifier unique: a duplicate gets Stripe's 400, like the real
API within its 24 h window). `Idempotency-Key` replays the first response, as Stripe does.

    with FakeStripe() as stripe_api:
        settings = Settings(stripe_api_key="sk_test_x", stripe_api_base=stripe_api.base_url)
        ...
        stripe_api.customers, stripe_api.meter_events, stripe_api.requests
        stripe_api.fail_next(500)   # the next request gets a 500 (to test retries)
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.http_server import LocalHTTPServer


def _unflatten(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """`a[b][0][c]=v` form keys -> nested dicts; numeric-keyed dicts become lists."""
    root: dict[str, Any] = {}
    for raw_key, value in pairs:
        parts = re.findall(r"[^\[\]]+", raw_key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _listify(root)


def _listify(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _listify(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def _id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:24]}"


class FakeStripe(LocalHTTPServer):
    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.customers: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: list[dict[str, Any]] = []
        self.portal_sessions: list[dict[str, Any]] = []
        self.meter_events: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, Any], dict[str, str]]] = []
        self._idempotent: dict[str, tuple[int, dict[str, Any]]] = {}
        self._failures: list[int] = []
        self._lock = threading.Lock()

    def fail_next(self, status: int = 500, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def meter_total(self, event_name: str, customer: str) -> int:
        return sum(
            int(e["payload"]["value"])
            for e in self.meter_events.values()
            if e["event_name"] == event_name and e["payload"]["stripe_customer_id"] == customer
        )

    # -- handlers ------------------------------------------------------------------------
    def handle(self, method: str, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if method == "POST" and path == "/v1/customers":
            customer = {
                "id": _id("cus"),
                "object": "customer",
                "created": int(time.time()),
                "email": params.get("email"),
                "name": params.get("name"),
                "metadata": params.get("metadata", {}),
                "livemode": False,
            }
            self.customers[customer["id"]] = customer
            return 200, customer
        match = re.fullmatch(r"/v1/customers/([^/]+)", path)
        if method == "GET" and match:
            found = self.customers.get(match.group(1))
            if found is None:
                return _error(404, "No such customer", "resource_missing", "id")
            return 200, found
        if method == "POST" and path == "/v1/checkout/sessions":
            return self._checkout(params)
        if method == "POST" and path == "/v1/billing_portal/sessions":
            if params.get("customer") not in self.customers:
                return _error(400, "No such customer", "resource_missing", "customer")
            session = {
                "id": _id("bps"),
                "object": "billing_portal.session",
                "customer": params["customer"],
                "return_url": params.get("return_url"),
                "url": f"https://billing.stripe.test/p/session/{_id('test')}",
                "livemode": False,
            }
            self.portal_sessions.append(session)
            return 200, session
        if method == "POST" and path == "/v1/billing/meter_events":
            return self._meter_event(params)
        return _error(404, f"Unrecognized request URL ({method}: {path})", None, None)

    def _checkout(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        if params.get("mode") not in ("subscription", "payment", "setup"):
            return _error(400, "Missing required param: mode.", "parameter_missing", "mode")
        customer = params.get("customer")
        if customer is not None and customer not in self.customers:
            return _error(400, "No such customer", "resource_missing", "customer")
        items = params.get("line_items") or []
        if params["mode"] == "subscription" and not items:
            return _error(
                400, "Missing required param: line_items.", "parameter_missing", "line_items"
            )
        session_id = _id("cs_test")
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "customer": customer,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "line_items": items,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "status": "open",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "livemode": False,
        }
        self.checkout_sessions.append(session)
        return 200, session

    def _meter_event(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        payload = params.get("payload") or {}
        if not params.get("event_name"):
            return _error(
                400, "Missing required param: event_name.", "parameter_missing", "event_name"
            )
        if "stripe_customer_id" not in payload or "value" not in payload:
            return _error(400, "Invalid payload", "parameter_invalid_empty", "payload")
        identifier = params.get("identifier") or _id("mev")
        if identifier in self.meter_events:
            return _error(
                400,
                f"An event already exists with identifier {identifier}.",
                "resource_already_exists",
                "identifier",
            )
        event = {
            "object": "billing.meter_event",
            "created": int(time.time()),
            "event_name": params["event_name"],
            "identifier": identifier,
            "payload": payload,
            "timestamp": int(params.get("timestamp") or time.time()),
            "livemode": False,
        }
        self.meter_events[identifier] = event
        return 200, event

    # -- lifecycle -----------------------------------------------------------------------
    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("Request-Id", _id("req"))
                self.end_headers()
                self.wfile.write(raw)

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode() if length else ""
                path, _, query = self.path.partition("?")
                params = _unflatten(parse_qsl(body or query, keep_blank_values=True))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if not headers.get("authorization", "").startswith("Bearer sk_"):
                    self._reply(*_error(401, "Invalid API Key provided", None, None))
                    return
                with fake._lock:
                    fake.requests.append((method, path, params, headers))
                    if fake._failures:
                        self._reply(*_error(fake._failures.pop(0), "scripted failure", None, None))
                        return
                    key = headers.get("idempotency-key")
                    if method == "POST" and key and key in fake._idempotent:
                        self._reply(*fake._idempotent[key])
                        return
                    status, reply = fake.handle(method, path, params)
                    if method == "POST" and key:
                        fake._idempotent[key] = (status, reply)
                self._reply(status, reply)

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

        return Handler


def _error(status: int, message: str, code: str | None, param: str | None):  # type: ignore[no-untyped-def]
    kind = "api_error" if status >= 500 else "invalid_request_error"
    body: dict[str, Any] = {"error": {"type": kind, "message": message}}
    if code:
        body["error"]["code"] = code
    if param:
        body["error"]["param"] = param
    return status, body


def sign_stripe_payload(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header exactly as Stripe builds it: `t=<ts>,v1=<HMAC-SHA256>`."""
    import hashlib
    import hmac

    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def stripe_event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> str:
    """A webhook event body in Stripe's shape (snapshot event, API object under data.object)."""
    return json.dumps(
        {
            "id": event_id or _id("evt"),
            "object": "event",
            "api_version": "2025-09-30.clover",
            "created": int(time.time()),
            "type": event_type,
            "livemode": False,
            "pending_webhooks": 1,
            "request": {"id": None, "idempotency_key": None},
            "data": {"object": obj},
        }
    )
