"""HTTP request metrics as a pure ASGI middleware.

Why not `@app.middleware("http")`: Starlette's BaseHTTPMiddleware runs every request
through an extra task and memory streams, which halved the throughput of the Slack ack
path in benchmarks/slack_ingest.py; this one only watches the response start message.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.observability.metrics import HTTP_LATENCY, HTTP_REQUESTS


class RecordMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            method = scope["method"]
            HTTP_LATENCY.labels(method, path).observe(time.perf_counter() - start)
            HTTP_REQUESTS.labels(method, path, str(status)).inc()
