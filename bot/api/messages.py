"""POST /api/v1/messages: one turn through the same pipeline Slack uses."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header

from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS, MessageIn, MessageOut
from conversations.message import Message, conversation_key
from integrations.observability.logging import bound_context

router = APIRouter(tags=["messages"])


@router.post("/messages", response_model=MessageOut, responses=ERRORS)
def post_message(
    body: MessageIn,
    principal: PrincipalDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> MessageOut:
    """Send a user's message; returns the assistant's reply and the ids of runs it started.

    With an `Idempotency-Key` header a retried request is recognised and answered with
    kind `duplicate` instead of being handled twice.
    """
    from conversations.pipeline import get_pipeline

    key = conversation_key(principal.tenant_id, "api", body.conversation_id)
    event = f"api:{idempotency_key}" if idempotency_key else f"api:{uuid.uuid4().hex}"
    message = Message(
        tenant_id=principal.tenant_id,
        channel="api",
        conversation_key=key,
        user_id=body.user,
        text=body.text,
        event_id=event,
    )
    with bound_context(conversation_id=key, tenant_id=principal.tenant_id):
        reply = get_pipeline(settings).handle(message)
    return MessageOut(
        kind=reply.kind,
        text=reply.text,
        lang=reply.lang,
        intent=reply.intent,
        confidence=reply.confidence,
        run_ids=reply.run_ids,
        conversation_key=reply.conversation_key or key,
    )
