"""Find a workflow template: the tenant's own (in the database) first, then the built-ins.

Tenant templates live in PostgreSQL/SQLite (`agents.workflows.store`), so every replica
and worker sees the same ones; the built-ins are the YAML files next to this module. A
tenant template with a built-in's name overrides it for that tenant. Templates are
validated on load (`spec.WorkflowTemplate`): a broken one fails for itself only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from agents.workflows import store
from agents.workflows.errors import WorkflowError
from agents.workflows.spec import WorkflowTemplate
from integrations.db.session import tenant_session
from integrations.settings import Settings

BUILTIN_DIR = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class TemplateEntry:
    """One listed template: loaded, or the reason it cannot be (listing never fails)."""

    name: str
    origin: str  # "tenant" or "builtin"
    version: int | None
    template: WorkflowTemplate | None
    problem: str | None


def _valid_name(name: str) -> bool:
    return bool(name) and len(name) <= 64 and name.replace("_", "").isalnum()


def load_template(settings: Settings, tenant_id: str, name: str) -> WorkflowTemplate:
    if not _valid_name(name):
        raise WorkflowError("unknown_workflow", workflow=name)
    with tenant_session(settings.database_url, tenant_id) as session:
        own = store.stored(session, name)
    if own is not None:
        return _validated(own.body, name)
    path = BUILTIN_DIR / f"{name}.yaml"
    if path.is_file():
        return parse_template(path.read_text(encoding="utf-8"), name)
    raise WorkflowError("unknown_workflow", workflow=name)


def _validated(raw: object, name: str) -> WorkflowTemplate:
    try:
        template = WorkflowTemplate.model_validate(raw)
    except ValidationError as err:
        problem = str(err).splitlines()[0][:200]
        raise WorkflowError("invalid_template", workflow=name, problem=problem) from err
    if template.name != name:
        raise WorkflowError("invalid_template", workflow=name, problem="name does not match")
    return template


def parse_template(text: str, name: str) -> WorkflowTemplate:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        problem = str(err).splitlines()[0][:200]
        raise WorkflowError("invalid_template", workflow=name, problem=problem) from err
    return _validated(raw, name)


def list_templates(settings: Settings, tenant_id: str) -> list[str]:
    names = {p.stem for p in BUILTIN_DIR.glob("*.yaml")}
    with tenant_session(settings.database_url, tenant_id) as session:
        names |= set(store.stored_names(session))
    return sorted(names)


def list_entries(settings: Settings, tenant_id: str) -> list[TemplateEntry]:
    """Every template the tenant can start, each loaded on its own: a broken one is
    listed with its problem instead of breaking the list."""
    entries = []
    with tenant_session(settings.database_url, tenant_id) as session:
        own = {n: store.stored(session, n) for n in store.stored_names(session)}
    for name in sorted({p.stem for p in BUILTIN_DIR.glob("*.yaml")} | set(own)):
        saved = own.get(name)
        problem: str | None
        try:
            if saved is not None:
                template = _validated(saved.body, name)
            else:
                template = parse_template((BUILTIN_DIR / f"{name}.yaml").read_text("utf-8"), name)
        except WorkflowError as err:
            template, problem = None, err.message
        else:
            problem = None
        origin = "tenant" if saved is not None else "builtin"
        entries.append(
            TemplateEntry(name, origin, saved.version if saved else None, template, problem)
        )
    return entries
