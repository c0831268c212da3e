"""Runs: the list (filters, cursor), a run with its steps and the decisions the reader may
take, and the approvals inbox.

Every decision goes through the one workflow service (tenant scoping, roles, four eyes,
audit); which buttons show (`actions.py`) is display only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from agents.workflows.loader import list_templates
from agents.workflows.notices import plan_summary
from agents.workflows.service import NotAllowed, RunNotFound, WorkflowError, WorkflowService
from agents.workflows.views import RunView, plan_before_approval
from bot.console_web.access import Refused, form, page
from bot.console_web.actions import ACTIONS, allowed_actions, is_production
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from bot.console_web.step_graph import run_graph
from bot.errors import error_body
from integrations.db.models import Role
from integrations.db.public_ids import public_id_pattern
from integrations.db.session import tenant_session
from integrations.db.tenants import self_approval_allowed

router = APIRouter(prefix="/console", include_in_schema=False)
STATUSES = ("pending", "running", "waiting_approval", "succeeded", "failed", "cancelled")
PAGE_SIZE = 25
# Any well-formed word is looked up (an unknown one is a 404, like another tenant's run).
RunId = Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_]+$")]
Reader = Annotated[Visitor, page()]


@router.get("/runs")
def runs(
    request: Request,
    who: Reader,
    status: Annotated[str, Query(max_length=20)] = "",
    workflow: Annotated[str, Query(max_length=64, pattern=r"^([a-z][a-z0-9_]*)?$")] = "",
    who_asked: Annotated[str, Query(alias="who", max_length=64)] = "",
    since: Annotated[str, Query(pattern=r"^(\d{4}-\d{2}-\d{2})?$")] = "",
    cursor: Annotated[str, Query(max_length=64, pattern=rf"({public_id_pattern('run')})|^$")] = "",
) -> Response:
    chosen = status if status in STATUSES else ""
    requester = who_asked.strip()
    try:
        start = datetime.combine(date.fromisoformat(since), time.min, UTC) if since else None
    except ValueError:
        return error_body(422, "invalid_date", "since: a date as YYYY-MM-DD")
    settings = settings_of(request)
    service = WorkflowService(settings)
    try:
        before = service.resolve(who.user.tenant_id, cursor) if cursor else None
    except RunNotFound as err:
        raise Refused(who, "not_found", 404) from err
    views = service.list_runs(
        who.user.tenant_id,
        status=chosen or None,
        workflow=workflow or None,
        user_id=requester or None,
        since=start,
        limit=PAGE_SIZE + 1,
        before=before,
    )
    shown = views[:PAGE_SIZE]
    filters = {"status": chosen, "workflow": workflow, "who": requester, "since": since}
    next_query = ""
    if len(views) > PAGE_SIZE:  # the next page keeps the filters
        next_query = urlencode(
            {**{k: v for k, v in filters.items() if v}, "cursor": shown[-1].public_id}
        )
    return show(
        request,
        who,
        "runs.html.j2",
        runs=shown,
        statuses=STATUSES,
        filters=filters,
        workflows=list_templates(settings, who.user.tenant_id),
        next_query=next_query,
    )


@router.get("/runs/{run_id}")
def run_detail(request: Request, who: Reader, run_id: RunId) -> Response:
    service = WorkflowService(settings_of(request))
    try:
        run = service.get(who.user.tenant_id, service.resolve(who.user.tenant_id, run_id))
    except RunNotFound as err:
        raise Refused(who, "not_found", 404) from err
    self_approval = _self_approval(request, who.user.tenant_id)
    actions = allowed_actions(run, who.user.user_id, who.user_role, self_approval=self_approval)
    return show(
        request,
        who,
        "run.html.j2",
        run=run,
        actions=actions,
        production=is_production(run),
        graph=run_graph(run),
    )


def _self_approval(request: Request, tenant_id: str) -> bool:
    with tenant_session(settings_of(request).database_url, tenant_id) as session:
        return self_approval_allowed(session, tenant_id)


@router.post("/runs/{run_id}/{action}")
def run_action(
    request: Request,
    who: Annotated[Visitor, form()],
    run_id: RunId,
    action: str,
    confirm: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    if action not in ACTIONS:
        raise Refused(who, "not_found", 404)
    me = who.user
    service = WorkflowService(settings_of(request))
    try:
        number = service.resolve(me.tenant_id, run_id)
    except RunNotFound as err:
        raise Refused(who, "not_found", 404) from err
    if action == "approve" and confirm != "yes":
        try:  # a production approval is confirmed on purpose (the form's checkbox)
            run = service.get(me.tenant_id, number)
        except RunNotFound as err:
            raise Refused(who, "not_found", 404) from err
        may = who.user_role.at_least(Role(run.approval_role or "admin"))
        if may and is_production(run):  # others get the service's own refusal below
            raise Refused(who, "confirm_needed", 400)
    decide: dict[str, Callable[[str, int, str], RunView]] = {
        "approve": service.approve,
        "reject": service.reject,
        "cancel": service.cancel,
    }
    try:
        decide[action](me.tenant_id, number, me.user_id)
    except RunNotFound as err:
        raise Refused(who, "not_found", 404) from err
    except NotAllowed as err:
        raise Refused(who, "forbidden", 403, err.message_in(who.lang)) from err
    except WorkflowError as err:
        raise Refused(who, "conflict", 409, err.message_in(who.lang)) from err
    return RedirectResponse(f"/console/runs/{run_id}", status_code=303)


@router.get("/approvals")
def approvals(request: Request, who: Reader) -> Response:
    me = who.user
    waiting = WorkflowService(settings_of(request)).list_runs(
        me.tenant_id, status="waiting_approval", limit=200
    )
    self_approval = _self_approval(request, me.tenant_id)
    mine = [
        r
        for r in reversed(waiting)  # oldest first
        if "approve" in allowed_actions(r, me.user_id, who.user_role, self_approval=self_approval)
    ]
    plans = {}
    for run in mine:
        step = plan_before_approval(run)
        plans[run.id] = plan_summary(step.output or "") if step else ""
    return show(request, who, "approvals.html.j2", runs=mine, plans=plans)
