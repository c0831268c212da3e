"""POST /webhooks/generic/{tenant}: a signed JSON message becomes a turn.

Signed with HMAC-SHA256 over `"{X-BMAD-Timestamp}.{body}"` (header `X-BMAD-Signature:
sha256=<hex>`), accepted within `BMAD_WEBHOOK_TIMESTAMP_TOLERANCE` seconds. The event id is
derived from the signature we compute over what was signed (timestamp and body), not from
the header as sent, so a replay inside the window is recognised as a duplicate however the
header is dressed up.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from agents.workflows.service import WorkflowService
from bot.outage import refusal_for
from bot.webhooks.config import SourceConfig
from bot.webhooks.http import (
    counted,
    parse_model,
    receiver_docs,
    require_json,
    settings_of,
    signature_rejected,
    source_config,
)
from bot.webhooks.results import remember_channel
from bot.webhooks.slack_post import SlackUnavailable, post_to_slack
from conversations.message import MAX_MESSAGE_CHARS, Message, conversation_key
from conversations.pipeline import get_pipeline
from integrations.observability.logging import bound_context, get_logger
from integrations.settings import Settings
from integrations.webhooks_out.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureError,
    verify_timestamped,
)

router = APIRouter(tags=["webhooks"])
log = get_logger(__name__)
ID = r"^[A-Za-z0-9._@\-]+$"


class GenericIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)
    channel: str | None = Field(None, min_length=1, max_length=64, pattern=r"^[A-Z0-9]+$")
    user: str | None = Field(None, min_length=1, max_length=48, pattern=ID)
    conversation_id: str | None = Field(None, min_length=1, max_length=200, pattern=ID)


class GenericOut(BaseModel):
    kind: str
    text: str
    lang: str
    intent: str | None = None
    run_ids: list[str] = Field(default_factory=list)  # public run ids (`run_…`)
    conversation_key: str
    posted_to: str | None = None


@router.post(
    "/webhooks/generic/{tenant}",
    response_model=GenericOut,
    **receiver_docs(
        GenericIn.model_json_schema(),
        auth="X-BMAD-Timestamp / X-BMAD-Signature",
        extra={409: "refused by the plan's quota"},
    ),
)
@counted("generic")
async def generic_webhook(tenant: str, request: Request) -> GenericOut | JSONResponse:
    settings = settings_of(request)
    require_json(request)
    body = await request.body()
    config = await run_in_threadpool(source_config, settings, tenant, "generic")
    try:
        verified = verify_timestamped(
            config.secret or "",
            request.headers.get(TIMESTAMP_HEADER),
            request.headers.get(SIGNATURE_HEADER),
            body,
            now=time.time(),
            tolerance=settings.webhook_timestamp_tolerance,
        )
    except SignatureError as err:
        raise signature_rejected(err) from err
    payload = parse_model(GenericIn, body)
    event_id = "webhook:" + hashlib.sha256(verified.encode()).hexdigest()[:32]
    return await run_in_threadpool(_turn, settings, config, payload, event_id)


def _turn(
    settings: Settings, config: SourceConfig, payload: GenericIn, event_id: str
) -> GenericOut | JSONResponse:
    ident = payload.conversation_id or uuid.uuid4().hex
    key = conversation_key(config.tenant_id, "webhook", ident)
    message = Message(
        tenant_id=config.tenant_id,
        channel="webhook",
        conversation_key=key,
        # Namespaced: whoever holds the webhook secret must not act with a Slack user's role.
        user_id=f"webhook:{payload.user}" if payload.user else "webhook",
        text=payload.text,
        event_id=event_id,
    )
    with bound_context(conversation_id=key, tenant_id=config.tenant_id):
        if payload.channel:  # before the turn: a run's first notice may come at once
            remember_channel(settings, config.tenant_id, key, payload.channel)
        reply = get_pipeline(settings).handle(message)
        refusal = refusal_for(reply)  # rate limited (429) or Redis/database down (503)
        if refusal is not None:
            return refusal
        posted_to = None
        if payload.channel and reply.kind != "duplicate" and reply.text:
            try:
                ts = post_to_slack(settings, config.tenant_id, payload.channel, reply.text)
                remember_channel(settings, config.tenant_id, key, payload.channel, ts)
                posted_to = payload.channel
            except SlackUnavailable:
                log.warning("webhook_reply_not_posted", reason="slack_not_installed")
    return GenericOut(
        kind=reply.kind,
        text=reply.text,
        lang=reply.lang,
        intent=reply.intent,
        run_ids=list(
            WorkflowService(settings).public_ids(config.tenant_id, reply.run_ids).values()
        ),
        conversation_key=key,
        posted_to=posted_to,
    )
