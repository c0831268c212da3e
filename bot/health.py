"""Liveness, readiness and metrics endpoints."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from integrations.db.session import ping as ping_database
from integrations.observability.metrics import READY_CHECKS
from integrations.redis_store import get_redis
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


def readiness(settings: Settings) -> list[Check]:
    return [check_database(settings), check_redis(settings)]


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
async def metrics() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
