"""JSON error bodies for every failure the HTTP app reports; never a traceback.

The handlers that answer with them are installed by `bot.error_handlers`."""

from __future__ import annotations

import json

from fastapi.responses import JSONResponse
from starlette.types import Send


def error_body(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"error": {"code": code, "message": message, **extra}}
    )


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """The same envelope from ASGI middleware, which answers before any route exists."""
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})
