"""/console/chat: the same turn pipeline as every channel (channel `web`), with an optional
text file that becomes part of the request, and the run notices of the conversation
(`/console/notices` follows them live)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

import redis
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from agents.notify import Notice, read_notices
from agents.workflows.service import WorkflowService
from bot.console_web.access import Refused, form, page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from bot.console_web.texts import texts
from conversations.attachments import Attachment, fenced, is_text_like, with_files
from conversations.message import MAX_MESSAGE_CHARS, Message, conversation_key
from conversations.pipeline import get_pipeline
from integrations.mrkdwn import slack_unescape
from integrations.observability.logging import bound_context
from integrations.settings import Settings

router = APIRouter(prefix="/console", include_in_schema=False)
NOTICES_SHOWN = 10
LIVE_STATUSES = ("pending", "running", "waiting_approval")


@router.get("/chat")
def chat(request: Request, who: Annotated[Visitor, page()]) -> Response:
    return show(request, who, "chat.html.j2", said=None, reply=None, notices=_notices(request, who))


@router.get("/notices")
def notices(request: Request, who: Annotated[Visitor, page()]) -> Response:
    """The conversation's run updates on a page of their own that reloads itself while a
    run of the conversation is still going (the console has no script to push them)."""
    me = who.user
    key = conversation_key(me.tenant_id, "web", me.user_id)
    active = WorkflowService(settings_of(request)).list_runs(
        me.tenant_id, conversation_key=key, limit=20
    )
    live = any(run.status in LIVE_STATUSES for run in active)
    return show(request, who, "notices.html.j2", notices=_notices(request, who), live=live)


@router.post("/chat")
async def chat_send(
    request: Request,
    who: Annotated[Visitor, form()],
    text: Annotated[str, Form(max_length=MAX_MESSAGE_CHARS)] = "",
    file: UploadFile | None = None,
) -> Response:
    settings = settings_of(request)
    if file is not None and file.filename:
        read = await _text_of(settings, file)
        if not isinstance(read, str):
            limit = settings.slack_file_max_bytes // 1000
            problem = texts(who.lang)[read.reason].format(name=file.filename, limit=limit)
            raise Refused(who, read.reason, 422, problem)
        text = with_files(text, [fenced(file.filename, read)], MAX_MESSAGE_CHARS)
    if not text.strip():
        raise Refused(who, "chat_empty", 422)
    return await run_in_threadpool(_turn, request, who, text)


@dataclass(frozen=True)
class Unread:
    reason: str  # a console text key: file_not_text, file_too_large


async def _text_of(settings: Settings, file: UploadFile) -> str | Unread:
    """The upload's text when it is a text-like file within the size limit."""
    limit = settings.slack_file_max_bytes
    kind = Attachment(name=file.filename or "file", mimetype=file.content_type or "")
    if not is_text_like(kind):
        return Unread("file_not_text")
    data = await file.read(limit + 1)
    if len(data) > limit:
        return Unread("file_too_large")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return Unread("file_not_text")


def _turn(request: Request, who: Visitor, text: str) -> Response:
    me = who.user
    key = conversation_key(me.tenant_id, "web", me.user_id)
    turn = Message(
        tenant_id=me.tenant_id,
        channel="web",
        conversation_key=key,
        user_id=me.user_id,
        text=text,
        event_id=f"web:{uuid.uuid4().hex}",
    )
    with bound_context(conversation_id=key, tenant_id=me.tenant_id):
        reply = get_pipeline(settings_of(request)).handle(turn)
    # Replies are Slack mrkdwn (values escaped for Slack); the page escapes HTML itself.
    reply = reply.model_copy(update={"text": slack_unescape(reply.text)})
    run_links = WorkflowService(settings_of(request)).public_ids(me.tenant_id, reply.run_ids)
    return show(
        request,
        who,
        "chat.html.j2",
        said=turn.text,
        reply=reply,
        run_links=run_links,
        notices=_notices(request, who),
    )


def _notices(request: Request, who: Visitor) -> list[Notice]:
    """The latest run notices of the user's web conversation (what Slack would post into
    the thread: plan ready, approval needed, finished), newest last."""
    me = who.user
    key = conversation_key(me.tenant_id, "web", me.user_id)
    try:
        found = read_notices(settings_of(request), me.tenant_id, key)
    except redis.RedisError:
        return []  # notices are a convenience here; the runs pages still work
    return [notice for _, notice in found[-NOTICES_SHOWN:]]
