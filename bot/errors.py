"""JSON error bodies for every failure the HTTP app reports; never a traceback."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from integrations.observability.logging import get_logger

log = get_logger(__name__)


def error_body(status: int, code: str, message: str, **extra: object) -> JSONResponse:
    return JSONResponse(
        status_code=status, content={"error": {"code": code, "message": message, **extra}}
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict):  # raised by our code: {"code": ..., "message": ...}
            code, message = str(exc.detail["code"]), str(exc.detail["message"])
        else:
            code, message = _slug(str(exc.detail)), str(exc.detail)
        response = error_body(exc.status_code, code, message)
        response.headers.update(exc.headers or {})  # e.g. WWW-Authenticate on a 401
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        return error_body(422, "invalid_request", "the request is not valid", problems=problems)

    @app.exception_handler(Exception)
    async def unexpected(req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=req.url.path)
        return error_body(500, "internal_error", "something went wrong on our side")


def _slug(text: str) -> str:
    return "_".join(text.lower().split())[:40] or "http_error"
