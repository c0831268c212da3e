"""POST /api/v1/messages: one turn through the same pipeline Slack uses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse

from agents.workflows.service import WorkflowService
from bot.api.deps import ActingPrincipalDep, SettingsDep
from bot.api.idempotent import once
from bot.api.keys import ApiPrincipal
from bot.api.schemas import ERRORS, ErrorOut, MessageIn, MessageOut
from bot.errors import error_body
from bot.outage import refusal_for
from conversations.message import Message, conversation_key
from conversations.pipeline import get_pipeline
from integrations.mrkdwn import slack_unescape
from integrations.observability.logging import bound_context
from integrations.settings import Settings

router = APIRouter(tags=["messages"])


@router.post(
    "/messages",
    response_model=MessageOut,
    responses={
        **ERRORS,
        403: {"model": ErrorOut, "description": "read-only key, or key bound to another user"},
        409: {"model": ErrorOut, "description": "a request with this Idempotency-Key is running"},
        422: {"model": ErrorOut, "description": "invalid request, or Idempotency-Key reused"},
        402: {"model": ErrorOut, "description": "the plan's quota refused the run; upgrade_url"},
        429: {"model": ErrorOut, "description": "rate limited; see the Retry-After header"},
        503: {"model": ErrorOut, "description": "a backing service is down; see Retry-After"},
    },
)
def post_message(
    body: MessageIn,
    principal: ActingPrincipalDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> Any:
    """Send a user's message; returns the assistant's reply and the ids of runs it started.

    The key must be bound to a user (`bmad apikeys create --user U`); `user` must be U and
    the turn has U's role. Keys without a user are read-only (403 `read_only_key`).

    With an `Idempotency-Key` header the first complete answer is stored for 24 hours (per
    tenant) and a retry with the same key and body gets that very answer again (header
    `Idempotent-Replayed: true`); the turn is handled once. A retry while the first is still
    running gets 409; the same key with a different body 422. A 429 or 503 is not stored:
    retrying after Retry-After handles the request.
    """
    return once(
        settings,
        principal,
        idempotency_key,
        ["messages", body.model_dump(mode="json")],
        lambda request_id: _answer(settings, principal, body, f"api:{request_id}"),
    )


def _answer(
    settings: Settings, principal: ApiPrincipal, body: MessageIn, event_id: str
) -> JSONResponse:
    user_id = principal.message_user(body.user)
    if user_id is None:
        return error_body(403, "user_mismatch", "this API key acts for one user only")
    key = conversation_key(principal.tenant_id, "api", body.conversation_id)
    message = Message(
        tenant_id=principal.tenant_id,
        channel="api",
        conversation_key=key,
        user_id=user_id,
        text=body.text,
        event_id=event_id,
    )
    with bound_context(conversation_id=key, tenant_id=principal.tenant_id):
        reply = get_pipeline(settings).handle(message)
    if reply.upgrade_url is not None:  # the plan's quota refused the run it asked for
        return error_body(402, "quota_exceeded", reply.text, upgrade_url=reply.upgrade_url)
    refusal = refusal_for(reply)
    if refusal is not None:
        return refusal
    out = MessageOut(
        kind=reply.kind,
        text=slack_unescape(reply.text),  # replies are Slack mrkdwn; the API gives them as typed
        lang=reply.lang,
        intent=reply.intent,
        confidence=reply.confidence,
        run_ids=list(
            WorkflowService(settings).public_ids(principal.tenant_id, reply.run_ids).values()
        ),
        conversation_key=reply.conversation_key or key,
    )
    return JSONResponse(out.model_dump(mode="json"))
