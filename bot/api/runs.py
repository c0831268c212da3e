"""POST /api/v1/runs, GET /runs (cursor), GET /runs/{id}, POST /runs/{id}/approve|reject|cancel.

POST /runs starts any template the tenant can see (built-in or its own) by name, through
the same workflow service as chat and Slack: 201 with the run; a plan quota refusal is 402
with the upgrade link; over the caller's rate limit 429 with Retry-After.

Every call passes the key's tenant to the workflow service, which scopes its queries to it:
another tenant's run id is simply not found. Approve/reject/cancel act as the key's user,
so the same role checks apply as in Slack (`bmad users set-role` gives that user a role).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Path, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from agents.workflows.gate import QuotaExceeded
from agents.workflows.service import (
    InvalidTransition,
    NotAllowed,
    RunNotFound,
    RunView,
    WorkflowError,
    WorkflowService,
)
from bot.api.deps import ActingPrincipalDep, PrincipalDep, SettingsDep
from bot.api.idempotent import once
from bot.api.keys import ApiPrincipal
from bot.api.schemas import ERRORS, ID_PATTERN, ErrorOut, RejectIn, RunIn, RunList, RunOut
from bot.errors import error_body
from conversations.message import conversation_key
from conversations.replies import render
from integrations.db.public_ids import public_id_pattern
from integrations.rate_limit import TurnRateLimiter
from integrations.redis_store import get_redis
from integrations.settings import Settings

router = APIRouter(tags=["runs"])

RUN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorOut, "description": "read-only key, or the user lacks the role"},
    404: {"model": ErrorOut, "description": "no such run for this tenant"},
    409: {"model": ErrorOut, "description": "the run is not in a state that allows this"},
}
RunId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=ID_PATTERN, description="the run's `id`")
]
Cursor = Annotated[str | None, Query(max_length=64, pattern=public_id_pattern("run"))]
Status = Literal["pending", "running", "waiting_approval", "succeeded", "failed", "cancelled"]


def _call(work: Callable[[], RunView]) -> RunOut | JSONResponse:
    """Run a workflow-service call; its domain errors become 4xx JSON carrying the engine's
    user-safe message (the same wording Slack users see)."""
    try:
        return run_out(work())
    except RunNotFound as err:
        return error_body(404, err.code, err.message)
    except NotAllowed as err:
        return error_body(403, err.code, err.message, required_role=err.required_role)
    except (InvalidTransition, WorkflowError) as err:
        return error_body(409, err.code, err.message)


def run_out(view: RunView) -> RunOut:
    """The API shape of a run: its fields as they are, the public id as `id`."""
    return RunOut.model_validate({**view.model_dump(), "id": view.public_id})


LIST_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    404: {"model": ErrorOut, "description": "the cursor names no run of this tenant"},
}


@router.get("/runs", response_model=RunList, responses=LIST_ERRORS)
def list_runs(
    principal: PrincipalDep,
    settings: SettingsDep,
    conversation_id: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=ID_PATTERN)
    ] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Cursor = None,
) -> RunList | JSONResponse:
    """Runs of the key's tenant, newest first; optionally of one API conversation.

    Pass the answer's `next_cursor` as `cursor` for the next page (stable while new runs
    start: the cursor is a position, not an offset)."""
    key = conversation_key(principal.tenant_id, "api", conversation_id) if conversation_id else None
    service = WorkflowService(settings)
    try:
        before = service.resolve(principal.tenant_id, cursor) if cursor else None
    except RunNotFound:
        return error_body(404, "unknown_cursor", "the cursor names no run of this tenant")
    views = service.list_runs(
        principal.tenant_id, conversation_key=key, status=status, limit=limit + 1, before=before
    )
    page = views[:limit]
    next_cursor = page[-1].public_id if len(views) > limit else None
    return RunList(runs=[run_out(v) for v in page], next_cursor=next_cursor)


START_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    402: {"model": ErrorOut, "description": "the plan's quota refuses; has upgrade_url"},
    403: {"model": ErrorOut, "description": "read-only key, or its user lacks the role"},
    404: {"model": ErrorOut, "description": "no such workflow for this tenant"},
    409: {
        "model": ErrorOut,
        "description": "the template cannot be started (invalid), or a request with this "
        "Idempotency-Key is running",
    },
    422: {"model": ErrorOut, "description": "invalid request, or Idempotency-Key reused"},
    429: {"model": ErrorOut, "description": "rate limited; see the Retry-After header"},
}
START_422 = ("missing_input", "unknown_task")


@lru_cache(maxsize=8)
def _limiter(redis_url: str | None, per_user: int, per_tenant: int) -> TurnRateLimiter:
    """One limiter (and Redis pool) per configuration: the same budgets as chat turns."""
    return TurnRateLimiter(get_redis(redis_url), per_user, per_tenant)


@router.post("/runs", status_code=201, response_model=RunOut, responses=START_ERRORS)
def start_run(
    body: RunIn,
    principal: ActingPrincipalDep,
    settings: SettingsDep,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=200)] = None,
) -> Any:
    """Start a workflow by name with its inputs, as the key's user.

    With an `Idempotency-Key` header a retry with the same key and body within 24 hours gets
    the first answer again (`Idempotent-Replayed: true`) and starts nothing; a retry while
    the first is running gets 409, the same key with another body 422.
    """
    return once(
        settings,
        principal,
        idempotency_key,
        ["runs", body.model_dump(mode="json")],
        lambda _request_id: _start(settings, principal, body),
    )


def _start(settings: Settings, principal: ApiPrincipal, body: RunIn) -> JSONResponse:
    limited = _limiter(
        settings.redis_url,
        settings.rate_limit_user_per_minute,
        settings.rate_limit_tenant_per_minute,
    ).hit(principal.tenant_id, principal.user_id)
    if limited is not None:
        text = render("rate_limited", "en", seconds=limited.retry_after)
        response = error_body(429, "rate_limited", text, retry_after=limited.retry_after)
        response.headers["Retry-After"] = str(limited.retry_after)
        return response
    conversation = body.conversation_id or f"run-{uuid.uuid4().hex[:12]}"
    try:
        view = WorkflowService(settings).start(
            tenant_id=principal.tenant_id,
            workflow=body.workflow,
            inputs={k: str(v) for k, v in body.inputs.items()},
            conversation_key=conversation_key(principal.tenant_id, "api", conversation),
            user_id=principal.user_id,
        )
    except QuotaExceeded as err:
        refusal = err.refusal
        return error_body(
            402,
            err.code,
            err.message,
            upgrade_url=refusal.upgrade_url,
            plan=refusal.plan,
            used=refusal.used,
            limit=refusal.limit,
        )
    except NotAllowed as err:
        return error_body(403, err.code, err.message, required_role=err.required_role)
    except WorkflowError as err:
        if err.code == "unknown_workflow":
            return error_body(404, err.code, err.message)
        if err.code in START_422:
            return error_body(422, err.code, err.message)
        return error_body(409, err.code, err.message)
    return JSONResponse(jsonable_encoder(run_out(view)), status_code=201)


@router.get("/runs/{run_id}", response_model=RunOut, responses=RUN_ERRORS)
def get_run(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """One run with its steps and their outputs."""
    service = WorkflowService(settings)
    return _call(
        lambda: service.get(principal.tenant_id, service.resolve(principal.tenant_id, run_id))
    )


@router.post("/runs/{run_id}/approve", response_model=RunOut, responses=RUN_ERRORS)
def approve_run(run_id: RunId, principal: ActingPrincipalDep, settings: SettingsDep) -> Any:
    """Approve the run's waiting approval step as the key's user (role-checked)."""
    service = WorkflowService(settings)
    return _call(
        lambda: service.approve(
            principal.tenant_id, service.resolve(principal.tenant_id, run_id), principal.user_id
        )
    )


@router.post("/runs/{run_id}/reject", response_model=RunOut, responses=RUN_ERRORS)
def reject_run(
    run_id: RunId,
    principal: ActingPrincipalDep,
    settings: SettingsDep,
    body: RejectIn | None = None,
) -> Any:
    """Reject the run's waiting approval step as the key's user (role-checked); `reason`,
    optional, is kept with the decision and shown wherever it is."""
    service = WorkflowService(settings)
    reason = body.reason if body else None
    return _call(
        lambda: service.reject(
            principal.tenant_id,
            service.resolve(principal.tenant_id, run_id),
            principal.user_id,
            reason,
        )
    )


@router.post("/runs/{run_id}/cancel", response_model=RunOut, responses=RUN_ERRORS)
def cancel_run(run_id: RunId, principal: ActingPrincipalDep, settings: SettingsDep) -> Any:
    """Cancel a run: its starter may, others need the admin role."""
    service = WorkflowService(settings)
    return _call(
        lambda: service.cancel(
            principal.tenant_id, service.resolve(principal.tenant_id, run_id), principal.user_id
        )
    )
