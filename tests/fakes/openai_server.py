"""A local stand-in for the OpenAI chat-completions API, speaking its wire format.

Why: tests must exercise the real `openai` / `langchain-openai` clients end to end (HTTP,
JSON parsing, tool-call decoding, timeouts, retries) while the only fake is at the network
edge. Point `OPENAI_BASE_URL` (or `Settings.openai_base_url`) at `server.base_url`.

Each test scripts what the "model" answers:

    with FakeOpenAI() as server:
        server.push(tool_reply("RouteIntent", {"intent": "deploy", "slots": {}}))
        server.push(text_reply("hello"), error_reply(500))     # served in order
        server.responder = lambda request: text_reply("...")   # or compute each answer
        ...
        server.requests  # every request body received (parsed JSON), in order

A reply may carry `delay` (seconds, to provoke client timeouts) and `status` (to provoke
API errors). `structured_reply` adapts to how the client asked for structured output:
as a tool call when the request offered tools, as JSON content for `response_format`.
When nothing is scripted the server answers 500, so a test that did not expect a model
call fails loudly instead of silently receiving a made-up answer.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.fakes.http_server import LocalHTTPServer


@dataclass
class FakeReply:
    """One scripted answer. `content`/`tool_calls` form the assistant message."""

    content: str | None = None
    tool_calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Structured output whose shape depends on the request (tools vs. response_format).
    structured: tuple[str, dict[str, Any]] | None = None
    status: int = 200
    error_message: str = "scripted error"
    delay: float = 0.0
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    finish_reason: str | None = None
    # Sent as the whole HTTP body (status 200) instead of a completion: a broken proxy.
    raw_body: str | None = None
    headers: dict[str, str] = field(default_factory=dict)  # extra headers, e.g. Retry-After


def text_reply(content: str, **kw: Any) -> FakeReply:
    return FakeReply(content=content, **kw)


def tool_reply(name: str, arguments: dict[str, Any], **kw: Any) -> FakeReply:
    return FakeReply(tool_calls=[(name, arguments)], **kw)


def structured_reply(name: str, arguments: dict[str, Any], **kw: Any) -> FakeReply:
    return FakeReply(structured=(name, arguments), **kw)


def error_reply(status: int = 500, message: str = "scripted error", **kw: Any) -> FakeReply:
    return FakeReply(status=status, error_message=message, **kw)


Responder = Callable[[dict[str, Any]], FakeReply]


def _estimate_tokens(text: str) -> int:
    """Rough count (4 characters a token) so `usage` is realistic and non-zero."""
    return max(1, len(text) // 4)


def _error_type(status: int) -> str:
    return {
        400: "invalid_request_error",
        401: "authentication_error",
        404: "not_found_error",
        429: "rate_limit_exceeded",
    }.get(status, "server_error")


def _completion(request: dict[str, Any], reply: FakeReply) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
    calls = list(reply.tool_calls)
    if reply.structured is not None:
        name, args = reply.structured
        if request.get("tools"):
            offered = [t.get("function", {}).get("name") for t in request["tools"]]
            calls.append((name if name in offered else offered[0], args))
        else:  # response_format (json_schema / json_object): the JSON is the content
            message["content"] = json.dumps(args)
    if calls:
        message["tool_calls"] = [
            {
                "id": f"call_{uuid.uuid4().hex[:24]}",
                "type": "function",
                "function": {"name": name, "arguments": json.dumps(args)},
            }
            for name, args in calls
        ]
    prompt_text = json.dumps(request.get("messages", []))
    completion_text = json.dumps(message)
    prompt_tokens = (
        reply.prompt_tokens if reply.prompt_tokens is not None else _estimate_tokens(prompt_text)
    )
    completion_tokens = (
        reply.completion_tokens
        if reply.completion_tokens is not None
        else _estimate_tokens(completion_text)
    )
    finish = reply.finish_reason or ("tool_calls" if calls else "stop")
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fake-model"),
        "system_fingerprint": "fp_fake",
        "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _stream_chunks(completion: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The same completion as `chat.completion.chunk` events (for `stream=True` clients)."""
    base = {k: completion[k] for k in ("id", "created", "model", "system_fingerprint")}
    base["object"] = "chat.completion.chunk"
    choice = completion["choices"][0]
    msg = choice["message"]
    delta: dict[str, Any] = {"role": "assistant", "content": msg.get("content") or ""}
    if msg.get("tool_calls"):
        delta["tool_calls"] = [dict(tc, index=i) for i, tc in enumerate(msg["tool_calls"])]
    yield {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
    yield {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": choice["finish_reason"]}]}
    yield {**base, "choices": [], "usage": completion["usage"]}


class FakeOpenAI(LocalHTTPServer):
    """Threaded HTTP server on a free local port; use as a context manager."""

    poll_interval = 0.05

    def __init__(self, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.queue: deque[FakeReply] = deque()
        self.responder: Responder | None = None
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self._lock = threading.Lock()

    # -- scripting -----------------------------------------------------------------------
    def push(self, *replies: FakeReply) -> None:
        with self._lock:
            self.queue.extend(replies)

    def next_reply(self, request: dict[str, Any]) -> FakeReply:
        with self._lock:
            if self.queue:
                return self.queue.popleft()
        if self.responder is not None:
            return self.responder(request)
        return error_reply(500, "fake OpenAI server: no reply scripted for this request")

    @property
    def calls(self) -> int:
        return len(self.requests)

    @property
    def base_url(self) -> str:
        """What to give the client as `base_url` (`.../v1`)."""
        return f"{super().base_url}/v1"

    # -- lifecycle -----------------------------------------------------------------------
    def make_handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def _send(
                self,
                status: int,
                body: dict[str, Any] | str,
                headers: dict[str, str] | None = None,
            ) -> None:
                raw = (body if isinstance(body, str) else json.dumps(body)).encode()
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:16]}")
                self.end_headers()
                # The client may have timed out and gone away: that is what such a test wants.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(raw)

            def _stream(self, completion: dict[str, Any]) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Connection", "close")
                self.end_headers()
                try:
                    for chunk in _stream_chunks(completion):
                        self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                except (BrokenPipeError, ConnectionResetError):
                    pass
                self.close_connection = True

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": "fake-model"}]})
                else:
                    self._send(404, {"error": {"message": "not found", "type": "not_found"}})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                path = self.path.split("?")[0].rstrip("/")
                if path not in ("/v1/chat/completions", "/chat/completions"):
                    self._send(404, {"error": {"message": f"unknown path {path}"}})
                    return
                try:
                    request = json.loads(raw or b"{}")
                except json.JSONDecodeError:
                    self._send(400, {"error": {"message": "body is not JSON"}})
                    return
                with fake._lock:
                    fake.requests.append(request)
                    fake.headers.append({k.lower(): v for k, v in self.headers.items()})
                reply = fake.next_reply(request)
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status != 200:
                    error = {
                        "message": reply.error_message,
                        "type": _error_type(reply.status),
                        "param": None,
                        "code": None,
                    }
                    self._send(reply.status, {"error": error}, reply.headers)
                    return
                if reply.raw_body is not None:
                    self._send(200, reply.raw_body, reply.headers)
                    return
                completion = _completion(request, reply)
                if request.get("stream"):
                    self._stream(completion)
                else:
                    self._send(200, completion)

        return Handler


@contextmanager
def fake_openai() -> Iterator[FakeOpenAI]:
    """`with fake_openai() as server:` — same as `with FakeOpenAI() as server:`."""
    with FakeOpenAI() as server:
        yield server
