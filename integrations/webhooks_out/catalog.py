"""The outbound event catalogue: every event type and the JSON Schema of its `data`.

Why pydantic models: the schema receivers read (docs/webhooks.md and
`GET /api/v1/webhooks/event-types`) is generated from the same models the tests validate
every emitted payload against, so the documented contract cannot drift from what we send.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from integrations.db.public_ids import public_id_pattern


class _RunData(BaseModel):
    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(
        pattern=public_id_pattern("run"),
        description="the run's public id, `run_…` (GET /api/v1/runs/{run_id})",
    )
    workflow: str = Field(description="the workflow template's name")
    conversation_key: str = Field(description="the conversation the run reports to")


class RunStarted(_RunData):
    """A run was created and its first steps queued."""

    user_id: str = Field(description="who started it")


class RunStepSucceeded(_RunData):
    """One agent step finished with a result."""

    step: str
    attempt: int = Field(ge=1)


class RunWaitingApproval(_RunData):
    """The run waits for a person with at least `role` to approve `step`."""

    step: str
    role: str
    deadline: str = Field(description="ISO 8601; escalated after this")


class _Decision(_RunData):
    step: str
    approved: bool
    user_id: str = Field(description="who decided")
    role: str = Field(description="the decider's role")
    at: str = Field(description="ISO 8601")
    reason: str | None = Field(None, description="the reason the decider gave, if any")


class RunApproved(_Decision):
    """An approval step was approved; the run continues."""


class RunRejected(_Decision):
    """An approval step was rejected; the run is cancelled (run.cancelled follows)."""


class _Finished(_RunData):
    status: str
    error: str | None = None
    failed_step: str | None = None


class RunCancelled(_Finished):
    """The run was cancelled (by a person, a rejection or an expired approval)."""

    actor: str | None = Field(None, description="who cancelled it, when a person did")


class RunSucceeded(_Finished):
    """Every step of the run succeeded."""


class RunFailed(_Finished):
    """A step failed after its retries (compensation, if any, has run)."""


EVENT_MODELS: dict[str, type[BaseModel]] = {
    "run.started": RunStarted,
    "run.step_succeeded": RunStepSucceeded,
    "run.waiting_approval": RunWaitingApproval,
    "run.approved": RunApproved,
    "run.rejected": RunRejected,
    "run.cancelled": RunCancelled,
    "run.succeeded": RunSucceeded,
    "run.failed": RunFailed,
}


def event_types() -> list[dict[str, Any]]:
    """The catalogue as served by the API: name, description and JSON Schema of `data`."""
    return [
        {
            "type": name,
            "description": (model.__doc__ or "").strip(),
            "schema": model.model_json_schema(),
        }
        for name, model in EVENT_MODELS.items()
    ]


def validate_payload(event_type: str, data: dict[str, Any]) -> BaseModel:
    """Raise pydantic.ValidationError when `data` does not match the catalogue."""
    return EVENT_MODELS[event_type].model_validate(data)
