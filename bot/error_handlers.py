"""The HTTP app's exception handlers: every failure answers with `bot.errors`' JSON envelope,
a backing-service outage with `bot.outage`'s 503; never a traceback."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from bot.errors import error_body
from bot.outage import OUTAGE_ERRORS, unavailable
from integrations.observability.logging import get_logger

log = get_logger(__name__)
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(_req: Request, exc: StarletteHTTPException) -> JSONResponse:
        if isinstance(exc.detail, dict):  # raised by our code: {"code": ..., "message": ...}
            code, message = str(exc.detail["code"]), str(exc.detail["message"])
        else:
            code, message = _slug(str(exc.detail)), str(exc.detail)
        response = error_body(exc.status_code, code, message)
        response.headers.update(exc.headers or {})  # e.g. WWW-Authenticate on a 401
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(_req)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid(_req: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e["loc"]), "problem": e["msg"]} for e in exc.errors()
        ]
        return error_body(422, "invalid_request", "the request is not valid", problems=problems)

    async def outage(req: Request, exc: Exception) -> JSONResponse:
        """PostgreSQL / Redis / broker unreachable: 503 + Retry-After, so callers retry."""
        log.error("backing_service_unreachable", path=req.url.path, error=type(exc).__name__)
        return unavailable()

    for error in OUTAGE_ERRORS:
        app.add_exception_handler(error, outage)

    @app.exception_handler(Exception)
    async def unexpected(req: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled_error", path=req.url.path)
        return error_body(500, "internal_error", "something went wrong on our side")


def _allowed_methods(request: Request) -> str:
    """Every method some route on this path answers. Starlette's own 405 lists only the
    methods of the first route matching the path, though e.g. GET and POST /workflows are
    two routes; so ask each route whether it would take the request with another method."""
    routes = request.app.router.routes
    allowed = [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    ]
    return ", ".join(allowed)


def _slug(text: str) -> str:
    return "_".join(text.lower().split())[:40] or "http_error"
