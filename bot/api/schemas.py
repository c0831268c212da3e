"""Request and response models of /api/v1 (the OpenAPI schema is generated from these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

ID_PATTERN = r"^[A-Za-z0-9._@\-]+$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MessageIn(Strict):
    conversation_id: str = Field(min_length=1, max_length=200, pattern=ID_PATTERN)
    user: str = Field(min_length=1, max_length=48, pattern=ID_PATTERN)
    text: str = Field(min_length=1, max_length=8000)


class MessageOut(BaseModel):
    kind: str
    text: str
    lang: str
    intent: str | None = None
    confidence: float | None = None
    run_ids: list[int] = Field(default_factory=list)
    conversation_key: str


class StepOut(BaseModel):
    name: str
    agent: str | None = None
    kind: str
    status: str
    output: Any = None


class RunOut(BaseModel):
    id: int
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


class WorkflowList(BaseModel):
    workflows: list[WorkflowOut]


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing or unknown API key"},
    422: {"model": ErrorOut, "description": "invalid request"},
}
