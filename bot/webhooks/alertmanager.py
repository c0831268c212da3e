"""POST /webhooks/alertmanager/{tenant}: Alertmanager's webhook (payload version 4).

Authenticated with a bearer token, as Alertmanager's `http_config.authorization` sends it
(`Authorization: Bearer <token>`); the tenant's token is stored hashed.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from agents.workflows.errors import WorkflowError
from agents.workflows.service import WorkflowService
from bot.errors import error_body
from bot.webhooks import alert_groups
from bot.webhooks.alertmanager_payload import AlertmanagerPayload
from bot.webhooks.config import SourceConfig
from bot.webhooks.http import (
    WebhookRejected,
    counted,
    parse_model,
    receiver_docs,
    require_json,
    settings_of,
    source_config,
)
from integrations.settings import Settings

router = APIRouter(tags=["webhooks"])
SOURCE: Final = "alertmanager"


class AlertmanagerOut(BaseModel):
    status: str  # started | refused | updated | resolved | ignored
    run_id: str | None = None  # the run's public id (`run_…`)


@router.post(
    "/webhooks/alertmanager/{tenant}",
    response_model=AlertmanagerOut,
    **receiver_docs(
        {"type": "object"},  # Alertmanager's webhook payload, version 4
        auth="Authorization: Bearer token",
        extra={409: "refused by the plan's quota"},
    ),
)
@counted("alertmanager")
async def alertmanager_webhook(tenant: str, request: Request) -> Any:
    settings = settings_of(request)
    require_json(request)
    config = await run_in_threadpool(source_config, settings, tenant, SOURCE)
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise WebhookRejected(401, "missing_token", {"WWW-Authenticate": "Bearer"})
    if not config.token_matches(token.strip()):
        raise WebhookRejected(401, "bad_token", {"WWW-Authenticate": "Bearer"})
    payload = parse_model(AlertmanagerPayload, await request.body())
    try:
        return await run_in_threadpool(_handle, settings, config, payload)
    except WorkflowError as err:  # e.g. the plan's run quota; Alertmanager retries later
        return error_body(409, err.code, err.message)


def _handle(
    settings: Settings, config: SourceConfig, payload: AlertmanagerPayload
) -> AlertmanagerOut:
    outcome = alert_groups.handle(settings, config, payload)
    run_ids = [outcome.run_id] if outcome.run_id is not None else []
    public = WorkflowService(settings).public_ids(config.tenant_id, run_ids)
    return AlertmanagerOut(status=outcome.status, run_id=public.get(outcome.run_id or 0))
