"""The console's pages. Every page resolves the signed-in user and their role on the server;
every POST checks the session's CSRF token first; every run action goes through the one
workflow service (tenant scoping, roles, four eyes, audit)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import urlencode

import redis
from fastapi import APIRouter, Form, Path, Query, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from agents.notify import Notice, read_notices
from agents.workflows.loader import list_templates
from agents.workflows.notices import plan_summary
from agents.workflows.service import (
    NotAllowed,
    RunNotFound,
    WorkflowError,
    WorkflowService,
)
from agents.workflows.views import plan_before_approval
from bot.console_web.actions import ACTIONS, allowed_actions, is_production
from bot.console_web.pages import message, show, signed_in
from bot.console_web.session import (
    Visitor,
    clear_session_cookie,
    csrf_ok,
    set_session_cookie,
    settings_of,
    visitor,
)
from bot.console_web.signing import ConsoleUser, redeem_link_token
from bot.console_web.texts import LANG_COOKIE, LANGS, texts
from bot.errors import error_body
from conversations.attachments import Attachment, fenced, is_text_like, with_files
from conversations.message import MAX_MESSAGE_CHARS, Message, conversation_key
from conversations.pipeline import get_pipeline
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import self_approval_allowed
from integrations.observability.logging import bound_context
from integrations.settings import Settings
from integrations.slack.mrkdwn import slack_unescape

router = APIRouter(prefix="/console", include_in_schema=False)
STATIC_DIR = FilePath(__file__).resolve().parent / "static"
STATUSES = ("pending", "running", "waiting_approval", "succeeded", "failed", "cancelled")
PAGE_SIZE = 25
NOTICES_SHOWN = 10
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def static_files() -> StaticFiles:
    return StaticFiles(directory=STATIC_DIR)


@router.get("/signin")
def sign_in(request: Request, token: Annotated[str, Query(max_length=1000)] = "") -> Response:
    settings = settings_of(request)
    who = visitor(request)
    redeemed = redeem_link_token(settings, token) if token else None
    if redeemed is None:
        return message(Visitor(who.lang, None, None), "link_invalid", 400)
    tenant_id, user_id = redeemed
    response = RedirectResponse("/console", status_code=303)  # the token leaves the URL bar
    set_session_cookie(response, settings, ConsoleUser(tenant_id, user_id, uuid.uuid4().hex))
    return response


@router.post("/signout")
def sign_out(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf):
        return message(who, "csrf_failed", 403)
    response = message(Visitor(who.lang, None, None), "signed_out", 200)
    clear_session_cookie(response, settings_of(request))
    return response


@router.post("/lang")
def set_lang(
    request: Request,
    lang: Annotated[str, Form(max_length=5)] = "en",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf) or lang not in LANGS:
        return message(who, "csrf_failed", 403)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/console", samesite="lax")
    return response


@router.get("")
def home() -> Response:
    return RedirectResponse("/console/runs", status_code=303)


@router.get("/runs")
def runs(
    request: Request,
    status: Annotated[str, Query(max_length=20)] = "",
    workflow: Annotated[str, Query(max_length=64, pattern=r"^([a-z][a-z0-9_]*)?$")] = "",
    who_asked: Annotated[str, Query(alias="who", max_length=64)] = "",
    since: Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    cursor: Annotated[str, Query(max_length=10, pattern=r"^([1-9][0-9]{0,9})?$")] = "",
) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    chosen = status if status in STATUSES else ""
    requester = who_asked.strip()
    try:
        start = datetime.combine(date.fromisoformat(since), time.min, UTC) if since else None
    except ValueError:
        return error_body(422, "invalid_date", "since: a date as YYYY-MM-DD")
    views = WorkflowService(settings_of(request)).list_runs(
        who.me.tenant_id,
        status=chosen or None,
        workflow=workflow or None,
        user_id=requester or None,
        since=start,
        limit=PAGE_SIZE + 1,
        before=int(cursor) if cursor else None,
    )
    shown = views[:PAGE_SIZE]
    next_cursor = shown[-1].id if len(views) > PAGE_SIZE else None
    filters = {"status": chosen, "workflow": workflow, "who": requester, "since": since}
    return show(
        request,
        who,
        "runs.html.j2",
        runs=shown,
        statuses=STATUSES,
        filters=filters,
        workflows=list_templates(settings_of(request), who.me.tenant_id),
        next_query=urlencode({**{k: v for k, v in filters.items() if v}, "cursor": next_cursor})
        if next_cursor
        else "",
    )


@router.get("/runs/{run_id}")
def run_detail(request: Request, run_id: RunId) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None and who.role is not None
    try:
        run = WorkflowService(settings_of(request)).get(who.me.tenant_id, run_id)
    except RunNotFound:
        return message(who, "not_found", 404)
    actions = allowed_actions(
        run, who.me.user_id, who.role, self_approval=_self_approval(request, who.me.tenant_id)
    )
    return show(
        request, who, "run.html.j2", run=run, actions=actions, production=is_production(run)
    )


def _self_approval(request: Request, tenant_id: str) -> bool:
    with tenant_session(settings_of(request).database_url, tenant_id) as session:
        return self_approval_allowed(session, tenant_id)


@router.post("/runs/{run_id}/{action}")
def run_action(
    request: Request,
    run_id: RunId,
    action: str,
    csrf: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf):
        return message(who, "csrf_failed", 403)
    if action not in ACTIONS:
        return message(who, "not_found", 404)
    service = WorkflowService(settings_of(request))
    if action == "approve" and confirm != "yes":
        try:  # a production approval is confirmed on purpose (the form's checkbox)
            run = service.get(who.me.tenant_id, run_id)
        except RunNotFound:
            return message(who, "not_found", 404)
        may = who.role is not None and who.role.at_least(Role(run.approval_role or "admin"))
        if may and is_production(run):  # others get the service's own refusal below
            return message(who, "confirm_needed", 400)
    decide = {"approve": service.approve, "reject": service.reject, "cancel": service.cancel}
    try:
        decide[action](who.me.tenant_id, run_id, who.me.user_id)
    except RunNotFound:
        return message(who, "not_found", 404)
    except NotAllowed as err:
        return message(who, "forbidden", 403, err.message_in(who.lang))
    except WorkflowError as err:
        return message(who, "conflict", 409, err.message_in(who.lang))
    return RedirectResponse(f"/console/runs/{run_id}", status_code=303)


@router.get("/approvals")
def approvals(request: Request) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None and who.role is not None
    role = who.role
    waiting = WorkflowService(settings_of(request)).list_runs(
        who.me.tenant_id, status="waiting_approval", limit=200
    )
    self_approval = _self_approval(request, who.me.tenant_id)
    mine = [
        r
        for r in reversed(waiting)
        if "approve" in allowed_actions(r, who.me.user_id, role, self_approval=self_approval)
    ]
    plans = {}
    for run in mine:
        step = plan_before_approval(run)
        plans[run.id] = plan_summary(step.output or "") if step else ""
    return show(request, who, "approvals.html.j2", runs=mine, plans=plans)


@router.get("/chat")
def chatshow(request: Request) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    return show(request, who, "chat.html.j2", said=None, reply=None, notices=_notices(request, who))


def _notices(request: Request, who: Visitor) -> list[Notice]:
    """The latest run notices of the user's web conversation (what Slack would post into
    the thread: plan ready, approval needed, finished), newest last."""
    assert who.me is not None
    key = conversation_key(who.me.tenant_id, "web", who.me.user_id)
    try:
        found = read_notices(settings_of(request), who.me.tenant_id, key)
    except redis.RedisError:
        return []  # notices are a convenience here; the runs pages still work
    return [notice for _, notice in found[-NOTICES_SHOWN:]]


@router.post("/chat")
async def chat_send(
    request: Request,
    text: Annotated[str, Form(max_length=MAX_MESSAGE_CHARS)] = "",
    file: UploadFile | None = None,
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = await run_in_threadpool(signed_in, request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf):
        return message(who, "csrf_failed", 403)
    settings = settings_of(request)
    if file is not None and file.filename:
        read = await _text_of(settings, file)
        if read is None:
            limit = settings.slack_file_max_bytes // 1000
            problem = texts(who.lang)["file_not_text"].format(name=file.filename, limit=limit)
            return message(who, "file_not_text", 422, text=problem)
        text = with_files(text, [fenced(file.filename, read)], MAX_MESSAGE_CHARS)
    if not text.strip():
        return message(who, "chat_empty", 422)
    return await run_in_threadpool(_chat_turn, request, who, text)


async def _text_of(settings: Settings, file: UploadFile) -> str | None:
    """The upload's text when it is a text-like file within the size limit."""
    limit = settings.slack_file_max_bytes
    kind = Attachment(name=file.filename or "file", mimetype=file.content_type or "")
    if not is_text_like(kind):
        return None
    data = await file.read(limit + 1)
    if len(data) > limit:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _chat_turn(request: Request, who: Visitor, text: str) -> Response:
    assert who.me is not None
    settings = settings_of(request)
    key = conversation_key(who.me.tenant_id, "web", who.me.user_id)
    turn = Message(
        tenant_id=who.me.tenant_id,
        channel="web",
        conversation_key=key,
        user_id=who.me.user_id,
        text=text,
        event_id=f"web:{uuid.uuid4().hex}",
    )
    with bound_context(conversation_id=key, tenant_id=who.me.tenant_id):
        reply = get_pipeline(settings).handle(turn)
    # Replies are Slack mrkdwn (values escaped for Slack); the page escapes HTML itself.
    reply = reply.model_copy(update={"text": slack_unescape(reply.text)})
    return show(
        request,
        who,
        "chat.html.j2",
        said=turn.text,
        reply=reply,
        notices=_notices(request, who),
    )
