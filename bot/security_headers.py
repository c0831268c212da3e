"""Security headers on every response, set in one place (ASGI middleware).

- `X-Content-Type-Options: nosniff` everywhere: a JSON error quoting user text must never
  be sniffed into HTML by a browser.
- `Cache-Control: no-store` on /api/v1: answers carry tenant data and run outputs.
- HTML pages get a strict CSP and `X-Frame-Options: DENY` (no framing, no foreign code);
  the interactive API docs (/docs, /redoc) load Swagger UI/ReDoc from bmad itself: scripts
  only from 'self', but inline styles, which ReDoc injects at run time.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# No script at all. Inline <style> and Slack's "Add to Slack" button image are allowed: the
# install and OAuth pages that slack_bolt/slack_sdk render use exactly these.
STRICT_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src 'self' https://platform.slack-edge.com; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")
# The web console ships its own stylesheet and no script: nothing inline at all.
CONSOLE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
CONSOLE_PATH = "/console"


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                if path.startswith("/api/"):
                    headers["Cache-Control"] = "no-store"
                if headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = _csp_for(path)
                    headers["X-Frame-Options"] = "DENY"
                if "server" in headers:
                    del headers["server"]
            await send(message)

        await self.app(scope, receive, with_headers)


def _csp_for(path: str) -> str:
    if path.startswith(DOCS_PATHS):
        return DOCS_CSP
    if path.startswith(CONSOLE_PATH):
        return CONSOLE_CSP
    return STRICT_CSP
