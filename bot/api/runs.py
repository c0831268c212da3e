"""GET /api/v1/runs, GET /runs/{id}, POST /runs/{id}/approve|reject|cancel.

Every call passes the key's tenant to the workflow service, which scopes its queries to it:
another tenant's run id is simply not found.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query

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


def _service(settings):  # type: ignore[no-untyped-def]
    from agents.workflows.service import WorkflowService

    return WorkflowService(settings)


def _call(work: Callable[[], Any]) -> Any:
    """Run a workflow-service call; its domain errors become 4xx JSON with the engine's
    user-safe message (the same wording Slack users see)."""
    from agents.workflows.errors import InvalidTransition, NotAllowed, RunNotFound, WorkflowError

    try:
        return work()
    except RunNotFound as err:
        return error_body(404, err.code, err.message)
    except NotAllowed as err:
        return error_body(403, err.code, err.message, required_role=err.required_role)
    except InvalidTransition as err:
        return error_body(409, err.code, err.message)
    except WorkflowError as err:
        return error_body(409, err.code, err.message)


def run_out(view: Any) -> RunOut:
    steps = [
        StepOut(
            name=s.name,
            agent=getattr(s, "agent", None),
            kind=str(s.kind),
            status=str(s.status),
            output=getattr(s, "output", None),
        )
        for s in getattr(view, "steps", []) or []
    ]
    return RunOut(
        id=view.id,
        workflow=view.workflow,
        status=str(view.status),
        created_at=getattr(view, "created_at", None),
        conversation_key=getattr(view, "conversation_key", None),
        user_id=getattr(view, "user_id", None),
        inputs=dict(getattr(view, "inputs", {}) or {}),
        steps=steps,
        waiting_approval=bool(getattr(view, "waiting_approval", False)),
        approval_role=_text(getattr(view, "approval_role", None)),
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


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
    views = _service(settings).list_runs(
        principal.tenant_id, conversation_key=key, status=status, limit=limit
    )
    return RunList(runs=[run_out(v) for v in views])


@router.get("/runs/{run_id}", response_model=RunOut, responses=RUN_ERRORS)
def get_run(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> RunOut:
    """One run with its steps and their outputs."""
    return _call(lambda: run_out(_service(settings).get(principal.tenant_id, run_id)))


def _decide(action: str) -> Callable[..., RunOut]:
    def decide(run_id: RunId, principal: PrincipalDep, settings: SettingsDep) -> RunOut:
        method = getattr(_service(settings), action)
        return _call(lambda: run_out(method(principal.tenant_id, run_id, principal.user_id)))

    decide.__name__ = f"{action}_run"
    decide.__doc__ = f"{action.capitalize()} a run as the key's user (role-checked like in Slack)."
    return decide


for _action in ("approve", "reject", "cancel"):
    router.add_api_route(
        f"/runs/{{run_id}}/{_action}",
        _decide(_action),
        methods=["POST"],
        response_model=RunOut,
        responses=RUN_ERRORS,
    )
