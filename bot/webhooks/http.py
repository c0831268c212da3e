"""What every receiver does before its own logic: content type, tenant, source, JSON.

Order matters: nothing is parsed or written before the request is authenticated.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ValidationError

from bot.api.schemas import ErrorOut
from bot.outage import RETRY_RESPONSES
from bot.webhooks.config import NotConfigured, Source, SourceConfig, UnknownTenant, load_source
from integrations.observability.metrics import WEBHOOK_INBOUND
from integrations.security.json_limits import BadJson, loads_limited
from integrations.settings import Settings
from integrations.webhooks_out.signing import SignatureError

M = TypeVar("M", bound=BaseModel)
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


class WebhookRejected(HTTPException):
    """A 4xx with a machine-readable code; rendered by bot.errors as a JSON error body."""

    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=code, headers=headers)


def receiver_docs(
    example_schema: dict[str, Any], *, auth: str, extra: dict[int, str] | None = None
) -> dict[str, Any]:
    """OpenAPI for a receiver that reads its raw body (the signature covers the bytes, so
    FastAPI must not parse it): the JSON body it expects and every status it answers."""
    statuses = {
        400: "malformed or too deeply nested JSON, or a non-ASCII header",
        401: f"missing or wrong {auth}",
        404: "no such tenant, or this source is not configured for it",
        413: "body larger than BMAD_MAX_BODY_BYTES",
        415: "Content-Type is not application/json",
        422: "JSON of the wrong shape",
        **(extra or {}),
    }
    return {
        "openapi_extra": {
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": example_schema}},
            }
        },
        "responses": {
            **{code: {"model": ErrorOut, "description": why} for code, why in statuses.items()},
            **RETRY_RESPONSES,
        },
    }


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def require_json(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise WebhookRejected(415, "unsupported_media_type")


PATH_ID = re.compile(r"[A-Za-z0-9_.-]{1,64}")


def source_config(settings: Settings, tenant: str, source: Source) -> SourceConfig:
    """One 404 for an unknown tenant, an unconfigured source and a malformed tenant id, so
    the answer does not tell a stranger which tenants exist; the id is checked before any
    query (a NUL byte used to reach PostgreSQL as a 500)."""
    if not PATH_ID.fullmatch(tenant):
        raise WebhookRejected(404, "not_found")
    try:
        return load_source(settings, tenant, source)
    except (UnknownTenant, NotConfigured) as err:
        raise WebhookRejected(404, "not_found") from err


def signature_rejected(err: SignatureError) -> WebhookRejected:
    return WebhookRejected(401, err.code)


def parse_json(body: bytes) -> Any:
    try:
        return loads_limited(body)
    except BadJson as err:
        raise WebhookRejected(400, err.code) from err


def parse_model(model: type[M], body: bytes) -> M:
    data = parse_json(body)
    try:
        return model.model_validate(data)
    except ValidationError as err:
        raise HTTPException(422, "invalid_payload") from err


def counted(source: str) -> Callable[[H], H]:
    """Count each request of a receiver by outcome: `ok`, or the rejection code."""

    def wrap(handler: H) -> H:
        @functools.wraps(handler)
        async def counted_handler(*args: Any, **kwargs: Any) -> Any:
            try:
                result = await handler(*args, **kwargs)
            except HTTPException as err:
                WEBHOOK_INBOUND.labels(source, str(err.detail)[:40]).inc()
                raise
            WEBHOOK_INBOUND.labels(source, "ok").inc()
            return result

        return counted_handler  # type: ignore[return-value]

    return wrap
