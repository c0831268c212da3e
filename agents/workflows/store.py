"""Tenant workflow templates in the database: validate, save a new version, delete, read.

Why the database (not a folder per host): every replica, worker and CLI sees the same
templates the moment one is saved, and each change is versioned and audited in the same
transaction. A stored template is validated again when read, so one that became invalid
(a removed agent task, a stricter schema) is reported for that template only.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from agents.roster import get_task
from agents.workflows.errors import WorkflowError
from agents.workflows.spec import WorkflowTemplate
from integrations.db.events import record_audit
from integrations.db.models import WorkflowTemplateRow

MAX_TEMPLATE_BYTES = 64_000


class TemplateInvalid(WorkflowError):
    """A template refused on save: `field` (dotted path) and `problem` say what to fix."""

    code = "invalid_template"

    def __init__(self, workflow: str, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(workflow=workflow or "?", problem=f"{field}: {problem}")


@dataclass(frozen=True)
class StoredTemplate:
    name: str
    version: int
    body: dict[str, Any]
    created_by: str


def parse_text(text: str) -> dict[str, Any]:
    """YAML or JSON (JSON is YAML) into a mapping; TemplateInvalid for anything else."""
    if len(text.encode()) > MAX_TEMPLATE_BYTES:
        raise TemplateInvalid("", "body", f"larger than {MAX_TEMPLATE_BYTES} bytes")
    try:
        # JSON by the JSON parser: PyYAML decodes an escaped surrogate pair ("\ud83d\ude00")
        # as two lone surrogates, which no response or database can encode.
        raw = json.loads(text)
    except ValueError:
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "body"
            raise TemplateInvalid("", where, "not valid YAML or JSON") from err
    if not isinstance(raw, dict):
        raise TemplateInvalid("", "body", "must be a mapping with name and steps")
    try:
        json.dumps(raw, ensure_ascii=False, default=str).encode()
    except UnicodeEncodeError as err:  # an escaped lone surrogate is not text
        raise TemplateInvalid("", "body", "contains an unpaired UTF-16 surrogate") from err
    return raw


def validate(raw: dict[str, Any]) -> WorkflowTemplate:
    """The template, or TemplateInvalid naming the first offending field."""
    name = str(raw.get("name") or "")
    try:
        # strict: "30" or true is no number of seconds (what the documented schema says)
        template = WorkflowTemplate.model_validate(raw, strict=True)
    except ValidationError as err:
        first = err.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "template"
        raise TemplateInvalid(name, field, first["msg"]) from err
    for group in ("steps", "compensations"):
        for index, step in enumerate(getattr(template, group)):
            fixed = step.kind == "agent" and "{" not in f"{step.agent}{step.task}"
            if fixed and get_task(step.agent or "", step.task or "") is None:
                raise TemplateInvalid(
                    name, f"{group}.{index}.task", f"no agent {step.agent!r} with this task"
                )
    return template


def latest(session: Session, name: str) -> WorkflowTemplateRow | None:
    """The newest row of this template in the session's tenant (a tombstone included)."""
    return session.scalars(
        select(WorkflowTemplateRow)
        .where(WorkflowTemplateRow.name == name)
        .order_by(WorkflowTemplateRow.version.desc())
        .limit(1)
    ).first()


def stored(session: Session, name: str) -> StoredTemplate | None:
    row = latest(session, name)
    if row is None or row.deleted or row.body is None:
        return None
    return StoredTemplate(row.name, row.version, dict(row.body), row.created_by)


def stored_names(session: Session) -> list[str]:
    """Names whose newest version is not a tombstone."""
    newest = (
        select(WorkflowTemplateRow.name, func.max(WorkflowTemplateRow.version).label("v"))
        .group_by(WorkflowTemplateRow.name)
        .subquery()
    )
    rows = session.execute(
        select(WorkflowTemplateRow.name, WorkflowTemplateRow.deleted).join(
            newest,
            (WorkflowTemplateRow.name == newest.c.name)
            & (WorkflowTemplateRow.version == newest.c.v),
        )
    )
    return sorted(name for name, deleted in rows if not deleted)


def _next_version(session: Session, name: str) -> int:
    row = latest(session, name)
    return 1 if row is None else row.version + 1


def save(
    session: Session,
    tenant_id: str,
    template: WorkflowTemplate,
    *,
    actor: str,
    source: str,
) -> int:
    """Store a validated template as the next version; returns the version."""
    version = _next_version(session, template.name)
    session.add(
        WorkflowTemplateRow(
            tenant_id=tenant_id,
            name=template.name,
            version=version,
            body=template.model_dump(mode="json", exclude_defaults=True),
            deleted=False,
            created_by=actor[:128],
        )
    )
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="workflow.saved",
        target=f"workflow:{template.name}",
        details={"version": version},
        source=source,
    )
    session.flush()
    return version


def delete(session: Session, tenant_id: str, name: str, *, actor: str, source: str) -> bool:
    """Add a tombstone; False when the tenant has no such template (or it is deleted)."""
    if stored(session, name) is None:
        return False
    version = _next_version(session, name)
    session.add(
        WorkflowTemplateRow(
            tenant_id=tenant_id,
            name=name,
            version=version,
            body=None,
            deleted=True,
            created_by=actor[:128],
        )
    )
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="workflow.deleted",
        target=f"workflow:{name}",
        details={"version": version},
        source=source,
    )
    session.flush()
    return True


def export_text(body: dict[str, Any], fmt: str = "yaml") -> str:
    if fmt == "json":
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
