"""Request and response models of /api/v1 (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from agents.workflows.service import MAX_DECISION_NOTE
from conversations.message import MAX_MESSAGE_CHARS

ID_PATTERN = r"^[A-Za-z0-9._@\-]+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(Strict):
    conversation_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    user: str = Field(min_length=1, max_length=48, pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=MAX_MESSAGE_CHARS)


class MessageOut(BaseModel):
    kind: str
    text: str
    lang: str
    intent: str | None = None
    confidence: float | None = None
    run_ids: list[str] = Field(default_factory=list)  # public run ids (`run_…`)
    conversation_key: str


class StepOut(BaseModel):
    name: str
    agent: str | None = None
    kind: str
    status: str
    output: Any = None
    decided_by: str | None = None  # an approval step: who approved or rejected it
    decision_note: str | None = None  # ... and the reason they gave


class RejectIn(BaseModel):
    """Optional body of POST /runs/{id}/reject."""

    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=MAX_DECISION_NOTE)


class RunOut(BaseModel):
    id: str  # `run_…`: URLs and payloads never carry the internal number
    workflow: str
    status: str
    created_at: datetime | None = None
    conversation_key: str | None = None
    user_id: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    steps: list[StepOut] = Field(default_factory=list)
    waiting_approval: str | None = None  # name of the approval step that waits, if any
    approval_role: str | None = None
    error: str | None = None


class RunList(BaseModel):
    runs: list[RunOut]
    # Pass as `cursor` to get the next (older) page; None on the last page.
    next_cursor: str | None = None


class RunIn(Strict):
    workflow: str = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")
    inputs: dict[str, str | int | float | bool] = Field(default_factory=dict, max_length=50)
    conversation_id: str | None = Field(None, min_length=1, max_length=200, pattern=ID_PATTERN)


class AgentOut(BaseModel):
    key: str
    name: str
    description: str = ""
    tasks: list[str] = Field(default_factory=list)


class AgentList(BaseModel):
    agents: list[AgentOut]


class WorkflowStepOut(BaseModel):
    name: str
    kind: str
    agent: str | None = None
    task: str | None = None
    needs: list[str] = Field(default_factory=list)


class WorkflowOut(BaseModel):
    name: str
    description: str = ""
    inputs: list[str] = Field(default_factory=list)
    steps: list[WorkflowStepOut] = Field(default_factory=list)
    origin: str = "builtin"  # "tenant" (stored, versioned) or "builtin"
    version: int | None = None
    # Set when a stored template no longer loads: listed, but cannot be started.
    problem: str | None = None


class WorkflowDetail(WorkflowOut):
    template: dict[str, Any] = Field(default_factory=dict)  # the full template, as stored


class WorkflowList(BaseModel):
    workflows: list[WorkflowOut]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "malformed body or a non-ASCII header"},
    413: {"model": ErrorOut, "description": "body larger than BMAD_MAX_BODY_BYTES"},
    401: {"model": ErrorOut, "description": "missing or unknown API key"},
    422: {"model": ErrorOut, "description": "invalid request"},
    503: {"model": ErrorOut, "description": "a backing service is down; see Retry-After"},
}
