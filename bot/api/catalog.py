"""GET /api/v1/agents and GET /api/v1/workflows: what this assistant can run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from agents.roster import list_agents as roster
from agents.workflows.loader import list_templates, load_template
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import (
    ERRORS,
    AgentList,
    AgentOut,
    WorkflowList,
    WorkflowOut,
    WorkflowStepOut,
)

router = APIRouter(tags=["catalog"])
Lang = Annotated[str, Query(pattern=r"^(en|nl)$")]


@router.get("/agents", response_model=AgentList, responses=ERRORS)
def list_agents(_principal: PrincipalDep, lang: Lang = "en") -> AgentList:
    """The agent roster: each agent's role and the tasks it performs."""
    return AgentList(
        agents=[
            AgentOut(key=a.key, name=a.name, description=a.describe(lang), tasks=list(a.tasks))
            for a in roster()
        ]
    )


@router.get("/workflows", response_model=WorkflowList, responses=ERRORS)
def list_workflows(principal: PrincipalDep, settings: SettingsDep) -> WorkflowList:
    """Workflow templates runs can be started from: built-ins and the tenant's own."""
    workflows = []
    for name in list_templates(settings, principal.tenant_id):
        template = load_template(settings, principal.tenant_id, name)
        workflows.append(
            WorkflowOut(
                name=template.name,
                description=template.description,
                inputs=list(template.inputs),
                steps=[
                    WorkflowStepOut(
                        name=s.name, kind=s.kind, agent=s.agent, task=s.task, needs=list(s.needs)
                    )
                    for s in template.steps
                ],
            )
        )
    return WorkflowList(workflows=workflows)
