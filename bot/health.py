"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from bot.errors import error_body
from integrations.db.session import ping as ping_database
from integrations.observability.metrics import READY_CHECKS
from integrations.observability.multiproc import render as render_metrics
from integrations.redis_store import get_redis
from integrations.security.compare import same_secret
from integrations.settings import Settings

router = APIRouter(tags=["operations"])


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def check_database(settings: Settings) -> Check:
    try:
        ping_database(settings.database_url)
        return Check("database", True, "ok")
    except Exception as exc:  # any driver error means "not ready"
        return Check("database", False, _reason(exc))


def check_redis(settings: Settings) -> Check:
    try:
        get_redis(settings.redis_url).ping()
        return Check("redis", True, "ok" if settings.redis_url else "ok (embedded)")
    except Exception as exc:
        return Check("redis", False, _reason(exc))


def _reason(exc: Exception) -> str:
    """The first line of the driver's message, without URLs that may carry credentials."""
    first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    return f"{type(exc).__name__}: {first[:200]}"


def check_intent_model(settings: Settings) -> Check:
    """A replica without its intent model would answer the first turns 10-40 s late."""
    from bot.warmup import intent_model_ready, start_warmup

    if intent_model_ready(settings):
        return Check("intent_model", True, "loaded")
    start_warmup(settings)
    return Check("intent_model", False, "loading")


def service_checks(settings: Settings) -> list[Check]:
    """The outside services a process needs (what `bmad doctor` judges)."""
    return [check_database(settings), check_redis(settings)]


def readiness(settings: Settings) -> list[Check]:
    """Services plus this process's own intent model: a replica takes traffic only then."""
    return [*service_checks(settings), check_intent_model(settings)]


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    settings: Settings = request.app.state.settings
    checks = await asyncio.to_thread(readiness, settings)
    for c in checks:
        READY_CHECKS.labels(c.name).set(1 if c.ok else 0)
    ok = all(c.ok for c in checks)
    body = {
        "status": "ok" if ok else "unavailable",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail} for c in checks},
    }
    return JSONResponse(status_code=200 if ok else 503, content=body)


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus text; with BMAD_METRICS_TOKEN set, only for `Authorization: Bearer
    <token>` (route names, tenants' traffic and queue depths are not for the public)."""
    token = request.app.state.settings.metrics_token
    if token is not None:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not same_secret(token.get_secret_value(), given):
            response = error_body(401, "unauthorized", "a metrics token is required")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
    body, content_type = render_metrics()  # every worker process under `serve --workers N`
    return Response(body, media_type=content_type)
