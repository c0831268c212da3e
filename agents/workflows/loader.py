"""Find a workflow template: the tenant's own folder first, then the built-ins.

Why a folder per tenant (`<data_dir>/workflows/<tenant>/<name>.yaml`): operators can add or
override a workflow without a release, and a test can place a test-only template without
touching the shipped ones. Templates are validated on load (`spec.WorkflowTemplate`).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from agents.workflows.errors import WorkflowError
from agents.workflows.spec import WorkflowTemplate
from integrations.settings import Settings

BUILTIN_DIR = Path(__file__).with_name("templates")


def tenant_dir(settings: Settings, tenant_id: str) -> Path:
    return Path(settings.data_dir) / "workflows" / tenant_id


def _safe_tenant(tenant_id: str) -> bool:
    """A tenant id usable as one folder name (never a path that leaves the data dir)."""
    return (
        bool(tenant_id)
        and "/" not in tenant_id
        and "\\" not in tenant_id
        and not tenant_id.startswith(".")
    )


def _candidates(settings: Settings, tenant_id: str, name: str) -> list[Path]:
    own = [tenant_dir(settings, tenant_id) / f"{name}.yaml"] if _safe_tenant(tenant_id) else []
    return [*own, BUILTIN_DIR / f"{name}.yaml"]


def load_template(settings: Settings, tenant_id: str, name: str) -> WorkflowTemplate:
    if not name.replace("_", "").isalnum():
        raise WorkflowError("unknown_workflow", workflow=name)
    for path in _candidates(settings, tenant_id, name):
        if path.is_file():
            return parse_template(path.read_text(encoding="utf-8"), name)
    raise WorkflowError("unknown_workflow", workflow=name)


def parse_template(text: str, name: str) -> WorkflowTemplate:
    try:
        raw = yaml.safe_load(text)
        template = WorkflowTemplate.model_validate(raw)
    except (yaml.YAMLError, ValidationError) as err:
        problem = str(err).splitlines()[0][:200]
        raise WorkflowError("invalid_template", workflow=name, problem=problem) from err
    if template.name != name:
        raise WorkflowError("invalid_template", workflow=name, problem="name does not match")
    return template


def list_templates(settings: Settings, tenant_id: str) -> list[str]:
    names = {p.stem for p in BUILTIN_DIR.glob("*.yaml")}
    folder = tenant_dir(settings, tenant_id)
    if _safe_tenant(tenant_id) and folder.is_dir():
        names |= {p.stem for p in folder.glob("*.yaml")}
    return sorted(names)
