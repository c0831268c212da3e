"""The shape of a workflow template (YAML), validated with pydantic.

Why a strict model: templates come from tenants too, so a typo (`need:` instead of
`needs:`, an unknown step) must be refused when the template loads, not half-way a run.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from integrations.backoff import DEFAULT_JITTER, next_retry

StepKind = Literal["agent", "approval", "notify", "deploy"]


class RetryPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_attempts: int = Field(3, ge=1, le=20)
    backoff_seconds: float = Field(2.0, ge=0)
    backoff_factor: float = Field(2.0, ge=1)
    max_backoff_seconds: float = Field(300.0, ge=0)

    def next_delay(
        self, attempts_made: int, *, give_up: bool = False, jitter: float = DEFAULT_JITTER
    ) -> float | None:
        """Seconds before the next attempt (jittered, capped), or None: fail the step."""
        return next_retry(
            attempts_made,
            self.max_attempts,
            base=self.backoff_seconds,
            factor=self.backoff_factor,
            cap=self.max_backoff_seconds,
            give_up=give_up,
            jitter=jitter,
        )


class StepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    kind: StepKind
    agent: str | None = None
    task: str | None = None
    needs: list[str] = Field(default_factory=list)
    timeout_seconds: float = Field(300.0, gt=0)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    on_failure: str | None = None  # name of a compensation step
    # approval steps
    role: str = "admin"
    approval_timeout_seconds: float = Field(24 * 3600.0, gt=0)
    # deploy steps: what the tenant's deploy hook is asked to do (a compensation rolls back)
    action: Literal["deploy", "rollback"] = "deploy"
    # Who an undecided approval escalates to (a role); default: the role above `role`.
    escalate_to: str | None = None
    # notify steps: which reply template to post (prompts/workflows/<lang>/<message>.md)
    message: str = "run_summary"

    @model_validator(mode="after")
    def _kind_fields(self) -> StepSpec:
        if self.kind == "agent" and not (self.agent and self.task):
            raise ValueError(f"agent step {self.name!r} needs agent and task")
        roles = {"owner", "admin", "member", "viewer"}
        if self.kind == "approval" and self.role not in roles:
            raise ValueError(f"approval step {self.name!r}: unknown role {self.role!r}")
        if self.escalate_to is not None and self.escalate_to not in roles:
            raise ValueError(f"step {self.name!r}: unknown escalate_to role {self.escalate_to!r}")
        return self


class WorkflowTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z][a-z0-9_]{0,63}$")
    description: str = ""
    inputs: list[str] = Field(default_factory=list)  # required input keys
    notify_finish: bool = True  # post a run_finished notice on success (failures always are)
    steps: list[StepSpec] = Field(min_length=1)
    compensations: list[StepSpec] = Field(default_factory=list)

    @model_validator(mode="after")
    def _graph(self) -> WorkflowTemplate:
        names = [s.name for s in self.steps]
        comp = [s.name for s in self.compensations]
        if len(set(names + comp)) != len(names + comp):
            raise ValueError("step names must be unique")
        for step in self.steps:
            for dep in step.needs:
                if dep not in names:
                    raise ValueError(f"step {step.name!r} needs unknown step {dep!r}")
            if step.on_failure and step.on_failure not in comp:
                raise ValueError(f"step {step.name!r}: on_failure {step.on_failure!r} unknown")
        for step in self.compensations:
            if step.needs or step.kind == "approval":
                raise ValueError(f"compensation {step.name!r}: no needs, no approval")
        _check_acyclic({s.name: s.needs for s in self.steps})
        return self

    def step(self, name: str) -> StepSpec:
        for s in [*self.steps, *self.compensations]:
            if s.name == name:
                return s
        raise KeyError(name)


def _check_acyclic(graph: dict[str, list[str]]) -> None:
    state: dict[str, int] = {}

    def visit(node: str) -> None:
        if state.get(node) == 1:
            raise ValueError(f"dependency cycle through step {node!r}")
        if state.get(node) == 2:
            return
        state[node] = 1
        for dep in graph[node]:
            visit(dep)
        state[node] = 2

    for node in graph:
        visit(node)
