"""POST /api/v1/messages: one turn through the same pipeline Slack uses."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header

from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS, ErrorOut, MessageIn, MessageOut
from bot.errors import error_body
from conversations.message import Message, conversation_key
from conversations.pipeline import get_pipeline
from integrations.observability.logging import bound_context

router = APIRouter(tags=["messages"])


@router.post(
    "/messages",
    response_model=MessageOut,
    responses={
        **ERRORS,
        403: {"model": ErrorOut, "description": "key bound to another user"},
        429: {"model": ErrorOut, "description": "rate limited; see the Retry-After header"},
    },
)
def post_message(
    body: MessageIn,
    principal: PrincipalDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Any:
    """Send a user's message; returns the assistant's reply and the ids of runs it started.

    With a key bound to a user (`bmad apikeys create --user U`), `user` must be U and the
    turn has U's role; otherwise `user` is namespaced under the key (`api:<prefix>:<user>`).

    With an `Idempotency-Key` header a retried request is recognised and answered with
    kind `duplicate` instead of being handled twice.
    """
    user_id = principal.message_user(body.user)
    if user_id is None:
        return error_body(403, "user_mismatch", "this API key acts for one user only")
    key = conversation_key(principal.tenant_id, "api", body.conversation_id)
    event = f"api:{idempotency_key}" if idempotency_key else f"api:{uuid.uuid4().hex}"
    message = Message(
        tenant_id=principal.tenant_id,
        channel="api",
        conversation_key=key,
        user_id=user_id,
        text=body.text,
        event_id=event,
    )
    with bound_context(conversation_id=key, tenant_id=principal.tenant_id):
        reply = get_pipeline(settings).handle(message)
    if reply.retry_after is not None:
        response = error_body(429, "rate_limited", reply.text, retry_after=reply.retry_after)
        response.headers["Retry-After"] = str(reply.retry_after)
        return response
    return MessageOut(
        kind=reply.kind,
        text=reply.text,
        lang=reply.lang,
        intent=reply.intent,
        confidence=reply.confidence,
        run_ids=reply.run_ids,
        conversation_key=reply.conversation_key or key,
    )
