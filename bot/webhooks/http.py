"""What every receiver does before its own logic: content type, tenant, source, JSON.

Order matters: nothing is parsed or written before the request is authenticated.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from fastapi import HTTPException, Request
from pydantic import BaseModel, ValidationError

from bot.webhooks.config import NotConfigured, Source, SourceConfig, UnknownTenant, load_source
from integrations.observability.metrics import WEBHOOK_INBOUND
from integrations.settings import Settings
from integrations.webhooks_out.signing import SignatureError

M = TypeVar("M", bound=BaseModel)
H = TypeVar("H", bound=Callable[..., Awaitable[Any]])


class WebhookRejected(HTTPException):
    """A 4xx with a machine-readable code; rendered by bot.errors as a JSON error body."""

    def __init__(self, status: int, code: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status_code=status, detail=code, headers=headers)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def require_json(request: Request) -> None:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise WebhookRejected(415, "unsupported_media_type")


def source_config(settings: Settings, tenant: str, source: Source) -> SourceConfig:
    try:
        return load_source(settings, tenant, source)
    except UnknownTenant as err:
        raise WebhookRejected(404, "unknown_tenant") from err
    except NotConfigured as err:
        raise WebhookRejected(404, "webhook_not_configured") from err


def signature_rejected(err: SignatureError) -> WebhookRejected:
    return WebhookRejected(401, err.code)


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as err:
        raise WebhookRejected(400, "malformed_json") from err


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
