"""GET /api/v1/runs, GET /runs/{id}, POST /runs/{id}/approve|reject|cancel.

Every call passes the key's tenant to the workflow service, which scopes its queries to it:
another tenant's run id is simply not found. Approve/reject/cancel act as the key's user,
so the same role checks apply as in Slack (`bmad users set-role` gives that user a role).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse

from agents.workflows.service import (
    InvalidTransition,
    NotAllowed,
    RunNotFound,
    RunView,
    WorkflowError,
    WorkflowService,
)
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS, ID_PATTERN, ErrorOut, RunList, RunOut, StepOut
from bot.errors import error_body
from conversations.message import conversation_key

router = APIRouter(tags=["runs"])

RUN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorOut, "description": "the key's user lacks the required role"},
    404: {"model": ErrorOut, "description": "no such run for this tenant"},
    409: {"model": ErrorOut, "description": "the run is not in a state that allows this"},
}
RunId = Annotated[int, Path(ge=1, le=2**31 - 1)]
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
    return RunOut(
        id=view.id,
        workflow=view.workflow,
        status=view.status,
        created_at=view.created_at,
        conversation_key=view.conversation_key,
        user_id=view.user_id,
        inputs=dict(view.inputs),
        steps=[
            StepOut(name=s.name, agent=s.agent, kind=s.kind, status=s.status, output=s.output)
            for s in view.steps
        ],
        waiting_approval=view.waiting_approval,
        approval_role=view.approval_role,
        error=view.error,
    )


@router.get("/runs", response_model=RunList, responses=ERRORS)
def list_runs(
    principal: PrincipalDep,
    settings: SettingsDep,
    conversation_id: Annotated[
        str | None, Query(min_length=1, max_length=200, pattern=ID_PATTERN)
    ] = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> RunList:
    """Runs of the key's tenant, newest first; optionally of one API conversation."""
    key = conversation_key(principal.tenant_id, "api", conversation_id) if conversation_id else None
    views = WorkflowService(settings).list_runs(
        principal.tenant_id, conversation_key=key, status=status, limit=limit
    )
    return RunList(runs=[run_out(v) for v in views])


@router.get("/runs/{run_id}", response_model=RunOut, responses=RUN_ERRORS)
def get_run(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """One run with its steps and their outputs."""
    return _call(lambda: WorkflowService(settings).get(principal.tenant_id, run_id))


@router.post("/runs/{run_id}/approve", response_model=RunOut, responses=RUN_ERRORS)
def approve_run(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Approve the run's waiting approval step as the key's user (role-checked)."""
    service = WorkflowService(settings)
    return _call(lambda: service.approve(principal.tenant_id, run_id, principal.user_id))


@router.post("/runs/{run_id}/reject", response_model=RunOut, responses=RUN_ERRORS)
def reject_run(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Reject the run's waiting approval step as the key's user (role-checked)."""
    service = WorkflowService(settings)
    return _call(lambda: service.reject(principal.tenant_id, run_id, principal.user_id))


@router.post("/runs/{run_id}/cancel", response_model=RunOut, responses=RUN_ERRORS)
def cancel_run(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Cancel a run: its starter may, others need the admin role."""
    service = WorkflowService(settings)
    return _call(lambda: service.cancel(principal.tenant_id, run_id, principal.user_id))
