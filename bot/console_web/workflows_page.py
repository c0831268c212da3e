"""/console/workflows: the templates runs start from, with their step graph; for those who
may manage workflows a YAML editor (or a file to import) that saves a new tenant version,
export, and delete.

Saving goes through `agents.workflows.store` exactly like `POST /api/v1/workflows`: parsed,
validated (the first bad field is shown next to the text, which is kept), versioned and
audited. Listing never fails on a broken template: it is shown with its problem.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, UploadFile
from fastapi.responses import PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from agents.access import can
from agents.workflows import store
from agents.workflows.errors import WorkflowError
from agents.workflows.loader import list_entries, load_template
from agents.workflows.spec import WorkflowTemplate
from bot.console_web.access import Refused, form, page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from bot.console_web.step_graph import template_graph
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
Name = Annotated[str, Path(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
Reader = Annotated[Visitor, page()]
Manager = Annotated[Visitor, page(permission="manage_workflows")]
ManagerForm = Annotated[Visitor, form(permission="manage_workflows")]
EXAMPLE = """name: my_review
description: A code review, then a person decides.
inputs: [target]
steps:
  - name: review
    kind: agent
    agent: developer
    task: review_code
  - name: ok
    kind: approval
    role: admin
    needs: [review]
"""


def _editor(
    request: Request, who: Visitor, text: str, problem: str = "", status: int = 200
) -> Response:
    response = show(request, who, "workflow_edit.html.j2", text=text, problem=problem)
    response.status_code = status
    return response


@router.get("/workflows")
def workflows(request: Request, who: Reader) -> Response:
    entries = list_entries(settings_of(request), who.user.tenant_id)
    may_edit = can(who.user_role, "manage_workflows")
    return show(request, who, "workflows.html.j2", entries=entries, may_edit=may_edit)


@router.get("/new-workflow")
def new_workflow(request: Request, who: Manager) -> Response:
    return _editor(request, who, EXAMPLE)


@router.get("/workflows/{name}")
def workflow_detail(request: Request, who: Reader, name: Name) -> Response:
    settings = settings_of(request)
    try:
        template = load_template(settings, who.user.tenant_id, name)
    except WorkflowError as err:
        if err.code == "unknown_workflow":
            raise Refused(who, "not_found", 404, err.message) from err
        raise Refused(who, "conflict", 409, err.message) from err
    with tenant_session(settings.database_url, who.user.tenant_id) as session:
        own = store.stored(session, name)
    body = template.model_dump(mode="json", exclude_defaults=True)
    return show(
        request,
        who,
        "workflow.html.j2",
        template=template,
        graph=template_graph(template),
        text=store.export_text(body),
        version=own.version if own else None,
        may_edit=can(who.user_role, "manage_workflows"),
    )


@router.get("/workflows/{name}/export")
def export_workflow(request: Request, who: Reader, name: Name) -> Response:
    try:
        template = load_template(settings_of(request), who.user.tenant_id, name)
    except WorkflowError as err:
        raise Refused(who, "not_found", 404, err.message) from err
    text = store.export_text(template.model_dump(mode="json", exclude_defaults=True))
    return PlainTextResponse(
        text,
        media_type="application/yaml",
        headers={"Content-Disposition": f'attachment; filename="{name}.yaml"'},
    )


@router.post("/workflows")
async def save_workflow(
    request: Request,
    who: ManagerForm,
    text: Annotated[str, Form(max_length=store.MAX_TEMPLATE_BYTES)] = "",
    file: UploadFile | None = None,
) -> Response:
    if file is not None and file.filename:
        data = await file.read(store.MAX_TEMPLATE_BYTES + 1)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _editor(request, who, "", "body: not UTF-8 text", 422)
    try:
        template = store.validate(store.parse_text(text))
    except store.TemplateInvalid as err:
        return _editor(request, who, text, f"{err.field}: {err.problem}", 422)
    me = who.user
    await run_in_threadpool(_save, request, me.tenant_id, me.user_id, template)
    return RedirectResponse(f"/console/workflows/{template.name}", status_code=303)


def _save(request: Request, tenant_id: str, user_id: str, template: WorkflowTemplate) -> None:
    with tenant_session(settings_of(request).database_url, tenant_id) as session:
        store.save(session, tenant_id, template, actor=user_id, source="console")


@router.post("/workflows/{name}/delete")
def delete_workflow(request: Request, who: ManagerForm, name: Name) -> Response:
    me = who.user
    with tenant_session(settings_of(request).database_url, me.tenant_id) as session:
        deleted = store.delete(session, me.tenant_id, name, actor=me.user_id, source="console")
    if not deleted:
        if name in {e.name for e in list_entries(settings_of(request), me.tenant_id)}:
            raise Refused(who, "builtin_not_deletable", 409)
        raise Refused(who, "not_found", 404)
    return RedirectResponse("/console/workflows", status_code=303)
