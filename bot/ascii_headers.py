"""Refuse requests whose header values are not printable ASCII, before any route runs.

Signature, token and timestamp headers are compared and parsed by our code and by vendor
SDKs (Bolt, stripe, sendgrid) that assume ASCII; a non-ASCII value used to end in a
TypeError inside `hmac.compare_digest` - a 500 anyone could trigger without credentials.
HTTP header values are ASCII in practice (RFC 9110 calls anything else obsolete).
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.errors import send_error

_NOT_PRINTABLE = re.compile(rb"[^\x20-\x7e\t]")  # one C-level scan per header (ack path)


def ascii_only(value: bytes) -> bool:
    return _NOT_PRINTABLE.search(value) is None


class AsciiHeaders:
    """ASGI middleware: 400 `invalid_header` with a JSON body for a non-ASCII header value."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers") or []:
                if not ascii_only(value):
                    header = name.decode("latin-1")[:64]
                    message = f"header {header} must be printable ASCII"
                    await send_error(send, 400, "invalid_header", message)
                    return
        await self.app(scope, receive, send)
