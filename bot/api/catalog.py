"""GET /api/v1/agents and GET /api/v1/workflows: what this assistant can run."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from bot.api.deps import PrincipalDep
from bot.api.schemas import ERRORS, AgentList, AgentOut, WorkflowList, WorkflowOut

router = APIRouter(tags=["catalog"])


def _field(obj: Any, *names: str, default: Any = "") -> Any:
    for name in names:
        value = obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)
        if value is not None:
            return value
    return default


@router.get("/agents", response_model=AgentList, responses=ERRORS)
def list_agents(_principal: PrincipalDep) -> AgentList:
    """The agent roster: each agent's role and the tasks it performs."""
    from agents.roster import list_agents as roster

    agents = []
    for agent in roster():
        tasks = _field(agent, "tasks", default=[])
        agents.append(
            AgentOut(
                name=str(_field(agent, "name", "id")),
                title=str(_field(agent, "title", "role")),
                description=str(_field(agent, "description", "summary")),
                tasks=[str(_field(t, "name", default=t)) for t in tasks],
            )
        )
    return AgentList(agents=agents)


@router.get("/workflows", response_model=WorkflowList, responses=ERRORS)
def list_workflows(_principal: PrincipalDep) -> WorkflowList:
    """Workflow templates that runs can be started from."""
    from agents.workflows.templates import list_templates

    workflows = []
    for template in list_templates():
        steps = _field(template, "steps", default=[])
        workflows.append(
            WorkflowOut(
                name=str(_field(template, "name", "id")),
                description=str(_field(template, "description", "title")),
                steps=[str(_field(s, "name", "id", default=s)) for s in steps],
            )
        )
    return WorkflowList(workflows=workflows)
