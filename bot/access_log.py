"""Request id and access log as a pure ASGI middleware.

Every HTTP request gets a `request_id` (the caller's `X-Request-ID` when it is a sane
token, else a new one), bound to the log context so every line logged while serving the
request carries it, and echoed in the response header. When the request is done one
`http_request` line records method, route template (never the raw path: ids and tokens live
there), status, duration and the tenant when the route resolved one
(`request.state.tenant_id`). Pure ASGI for the reason given in `bot.http_metrics`.
"""

from __future__ import annotations

import random
import re
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from integrations.observability.logging import get_logger

log = get_logger("bmad.access")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
HEADER = b"x-request-id"


def request_id_from(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
    # Not uuid4: os.urandom is a syscall, and on the ack path every GIL release costs a
    # thread switch; a request id needs to be unique, not unpredictable.
    return f"{random.getrandbits(128):032x}"  # nosec B311


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_from(scope)
        start = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (HEADER, request_id.encode())]
            await send(message)

        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await self.app(scope, receive, watch)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                state = scope.get("state") or {}
                log.info(
                    "http_request",
                    method=scope["method"],
                    route=route,
                    status=status,
                    ms=round((time.perf_counter() - start) * 1000, 2),
                    tenant_id=state.get("tenant_id"),
                )
