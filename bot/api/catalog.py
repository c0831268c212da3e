"""GET /api/v1/agents and the tenant's workflow templates (/api/v1/workflows).

Templates are stored per tenant in the database (`agents.workflows.store`): POST adds a
version (YAML or JSON body; 422 names the field and the problem), DELETE adds a tombstone,
both need `manage_workflows` and are audited. Listing loads each template on its own, so
one broken template is listed with its problem and never breaks the list.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from agents.access import PermissionDenied, require
from agents.roster import list_agents as roster
from agents.workflows import store
from agents.workflows.errors import WorkflowError
from agents.workflows.loader import TemplateEntry, list_entries, load_template
from agents.workflows.spec import WorkflowTemplate
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.keys import ApiPrincipal
from bot.api.schemas import (
    ERRORS,
    AgentList,
    AgentOut,
    ErrorOut,
    WorkflowDetail,
    WorkflowList,
    WorkflowOut,
    WorkflowStepOut,
)
from bot.errors import error_body
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.settings import Settings

router = APIRouter(tags=["catalog"])
Lang = Annotated[str, Query(pattern=r"^(en|nl)$")]
Name = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]{0,63}$")]
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorOut, "description": "the key's user lacks manage_workflows"},
    404: {"model": ErrorOut, "description": "no such template for this tenant"},
    413: {"model": ErrorOut, "description": "template larger than 64 kB"},
    415: {"model": ErrorOut, "description": "not application/json or application/yaml"},
}
CONTENT_TYPES = ("application/json", "application/yaml", "application/x-yaml", "text/yaml")


@router.get("/agents", response_model=AgentList, responses=ERRORS)
def list_agents(_principal: PrincipalDep, lang: Lang = "en") -> AgentList:
    """The agent roster: each agent's role and the tasks it performs."""
    return AgentList(
        agents=[
            AgentOut(key=a.key, name=a.name, description=a.describe(lang), tasks=list(a.tasks))
            for a in roster()
        ]
    )


def _out(
    name: str,
    template: WorkflowTemplate | None,
    origin: str,
    version: int | None,
    problem: str | None = None,
) -> dict[str, Any]:
    if template is None:
        return {"name": name, "origin": origin, "version": version, "problem": problem}
    return {
        "name": template.name,
        "description": template.description,
        "inputs": list(template.inputs),
        "steps": [
            WorkflowStepOut(
                name=s.name, kind=s.kind, agent=s.agent, task=s.task, needs=list(s.needs)
            )
            for s in template.steps
        ],
        "origin": origin,
        "version": version,
        "problem": problem,
    }


def _entry_out(entry: TemplateEntry) -> WorkflowOut:
    return WorkflowOut(
        **_out(entry.name, entry.template, entry.origin, entry.version, entry.problem)
    )


@router.get("/workflows", response_model=WorkflowList, responses=ERRORS)
def list_workflows(principal: PrincipalDep, settings: SettingsDep) -> WorkflowList:
    """Workflow templates runs can be started from: built-ins and the tenant's own."""
    return WorkflowList(
        workflows=[_entry_out(e) for e in list_entries(settings, principal.tenant_id)]
    )


@router.get("/workflows/{name}", response_model=WorkflowDetail, responses=WRITE_ERRORS)
def get_workflow(name: Name, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """One template (the tenant's newest version, else the built-in), in full."""
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        own = store.stored(session, name)
    try:
        template = load_template(settings, principal.tenant_id, name)
    except WorkflowError as err:
        if err.code == "unknown_workflow":
            return error_body(404, err.code, err.message)
        detail = _out(name, None, "tenant", own.version if own else None, err.message)
        return WorkflowDetail(**detail, template=own.body if own else {})
    origin, version = ("tenant", own.version) if own else ("builtin", None)
    return WorkflowDetail(
        **_out(name, template, origin, version),
        template=template.model_dump(mode="json", exclude_defaults=True),
    )


def _may_manage(settings: Settings, principal: ApiPrincipal) -> Any:
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        role = role_of(session, principal.user_id)
    try:
        require(role, "manage_workflows")
    except PermissionDenied as err:
        return error_body(403, "not_allowed", err.message, required_role=err.needed_role.value)
    return None


def _actor(principal: ApiPrincipal) -> str:
    return f"api:{principal.user_id}"


def _template_schema() -> dict[str, Any]:
    """The body POST /workflows accepts, as JSON Schema: the pydantic model of a template
    (its $defs inlined) plus the rules `store.validate` adds that a schema can state: an
    agent step names a roster agent and one of its tasks (or a `{placeholder}`), approval
    and escalation roles are known. Not expressible, and said in the description: step
    names are unique, `needs` and `on_failure` name existing steps, no dependency cycle."""
    document = WorkflowTemplate.model_json_schema()
    defs = document.pop("$defs")
    retry = defs["RetryPolicy"]
    step = copy.deepcopy(defs["StepSpec"])
    step["properties"]["retry"] = retry
    step["required"] = sorted(step.get("required", []))
    step["properties"]["escalate_to"] = {"anyOf": [{"enum": list(ROLES)}, {"type": "null"}]}
    templated = {"type": "string", "pattern": r"\{"}
    agent_tasks = [
        {
            "properties": {
                "agent": {"const": agent.key},
                "task": {"enum": sorted(agent.tasks)},
            }
        }
        for agent in roster()
    ]
    step["allOf"] = [
        {
            "if": {"properties": {"kind": {"const": "agent"}}},
            "then": {
                "required": ["agent", "task"],
                "properties": {
                    "agent": {"type": "string", "minLength": 1},
                    "task": {"type": "string", "minLength": 1},
                },
                "anyOf": [
                    *agent_tasks,
                    {"properties": {"agent": templated}},
                    {"properties": {"task": templated}},
                ],
            },
        },
        {
            "if": {"properties": {"kind": {"const": "approval"}}},
            "then": {"properties": {"role": {"enum": list(ROLES)}}},
        },
    ]
    compensation = copy.deepcopy(step)
    compensation["properties"]["kind"] = {"enum": ["agent", "notify", "deploy"]}
    compensation["properties"]["needs"] = {"type": "array", "maxItems": 0}
    document["properties"]["steps"]["items"] = step
    document["properties"]["compensations"]["items"] = compensation
    document["description"] = (
        "a workflow template (agents/workflows/README.md); also: step names are unique, "
        "`needs` and `on_failure` name existing steps and compensations, no cycles"
    )
    return document


ROLES = ("owner", "admin", "member", "viewer")
TEMPLATE_SCHEMA = _template_schema()
TEMPLATE_BODY = {
    "requestBody": {
        "required": True,
        "description": "a workflow template (agents/workflows/README.md), as YAML or JSON",
        "content": {
            "application/yaml": {"schema": TEMPLATE_SCHEMA},
            "application/json": {"schema": TEMPLATE_SCHEMA},
        },
    }
}


@router.post(
    "/workflows",
    status_code=201,
    response_model=WorkflowDetail,
    responses=WRITE_ERRORS,
    openapi_extra=TEMPLATE_BODY,
)
async def save_workflow(request: Request, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Add or replace a tenant template (a new version). Body: the template as YAML or JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in CONTENT_TYPES:
        return error_body(415, "unsupported_media_type", f"use one of: {', '.join(CONTENT_TYPES)}")
    denied = _may_manage(settings, principal)
    if denied is not None:
        return denied
    raw_body = await request.body()
    if len(raw_body) > store.MAX_TEMPLATE_BYTES:
        return error_body(
            413, "too_large", f"a template is at most {store.MAX_TEMPLATE_BYTES} bytes"
        )
    try:
        text = raw_body.decode("utf-8")
        template = store.validate(store.parse_text(text))
    except UnicodeDecodeError:
        return error_body(422, "invalid_template", "the body is not UTF-8", field="body")
    except store.TemplateInvalid as err:
        return error_body(422, err.code, err.message, field=err.field, problem=err.problem)
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        version = store.save(
            session, principal.tenant_id, template, actor=_actor(principal), source="api"
        )
    return WorkflowDetail(
        **_out(template.name, template, "tenant", version),
        template=template.model_dump(mode="json", exclude_defaults=True),
    )


@router.delete(
    "/workflows/{name}",
    status_code=204,
    response_model=None,
    response_class=Response,
    responses=WRITE_ERRORS,
)
def delete_workflow(name: Name, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Delete the tenant's template (a built-in of that name applies again)."""
    denied = _may_manage(settings, principal)
    if denied is not None:
        return denied
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        deleted = store.delete(
            session, principal.tenant_id, name, actor=_actor(principal), source="api"
        )
    if not deleted:
        unknown = WorkflowError("unknown_workflow", workflow=name)
        return error_body(404, unknown.code, unknown.message)
    return Response(status_code=204)
