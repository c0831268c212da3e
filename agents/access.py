"""Who may do what: the permission matrix (permissions.yaml) and the checks every edge uses.

Why a YAML matrix with a monotonic rule: the product decides the matrix, the docs are
generated from it, and "this needs role X" is always the lowest role holding the
permission. A refusal carries that role so every channel can say what is needed.
"""

from __future__ import annotations

import itertools
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel

from integrations.billing.texts import render_text
from integrations.db.models import Role

Permission = Literal[
    "run_agents",
    "start_production_deploy",
    "approve",
    "manage_roles",
    "manage_billing",
    "manage_workflows",
    "export_data",
    "delete_data",
]
MATRIX_FILE = Path(__file__).with_name("permissions.yaml")
ROLES_LOW_TO_HIGH = sorted(Role, key=lambda r: r.rank)


class PermissionInfo(BaseModel):
    covers: str
    en: str
    nl: str


class Matrix(BaseModel):
    roles: dict[Role, frozenset[str]]
    permissions: dict[str, PermissionInfo]


class PermissionDenied(Exception):
    """`message` is user-safe and names the role the action needs."""

    def __init__(self, permission: str, role: Role | None, needed: Role, lang: str = "en") -> None:
        self.permission = permission
        self.role = role
        self.needed_role = needed
        info = load_matrix().permissions[permission]
        self.message = render_text(
            "permission_denied",
            lang,
            action=getattr(info, lang if lang in ("en", "nl") else "en"),
            needed_role=needed.value,
            role=role.value if role else "unknown",
        )
        super().__init__(self.message)


@lru_cache(maxsize=2)
def load_matrix(path: Path = MATRIX_FILE) -> Matrix:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    matrix = Matrix(
        roles={Role(k): frozenset(v) for k, v in raw["roles"].items()},
        permissions=raw["permissions"],
    )
    known = set(matrix.permissions)
    for role, perms in matrix.roles.items():
        if not perms <= known:
            raise ValueError(f"unknown permissions for {role}: {sorted(perms - known)}")
    for lower, higher in itertools.pairwise(ROLES_LOW_TO_HIGH):
        if not matrix.roles[lower] <= matrix.roles[higher]:
            raise ValueError(f"{higher} must hold every permission of {lower}")
    return matrix


def can(role: Role | None, permission: Permission) -> bool:
    return role is not None and permission in load_matrix().roles.get(role, frozenset())


def needed_role(permission: Permission) -> Role:
    """The lowest role that holds `permission`."""
    for role in ROLES_LOW_TO_HIGH:
        if permission in load_matrix().roles[role]:
            return role
    raise ValueError(f"no role holds {permission}")


def require(role: Role | None, permission: Permission, lang: str = "en") -> Role:
    """The role, when it grants `permission`; PermissionDenied (naming the role needed)
    otherwise - also for someone without a role."""
    if role is None or not can(role, permission):
        raise PermissionDenied(permission, role, needed_role(permission), lang)
    return role


def permissions_markdown() -> str:
    """docs/permissions.md, generated from the matrix (so the two cannot drift)."""
    matrix = load_matrix()
    roles = list(reversed(ROLES_LOW_TO_HIGH))
    lines = [
        "# Roles and permissions",
        "",
        "Generated from `agents/permissions.yaml` by `python -m agents.access`; "
        "do not edit by hand.",
        "",
        "Roles, highest first: " + ", ".join(f"`{r.value}`" for r in roles) + ". "
        "A refused action names the lowest role that may do it. A role can only be given "
        "by someone with `manage_roles` and never above the giver's own role; the last "
        "owner cannot be demoted.",
        "",
        "| permission | " + " | ".join(r.value for r in roles) + " | needs at least | covers |",
        "|---|" + "---|" * len(roles) + "---|---|",
    ]
    for name, info in matrix.permissions.items():
        marks = " | ".join("yes" if name in matrix.roles[r] else "-" for r in roles)
        lines.append(f"| `{name}` | {marks} | {needed_role(name).value} | {info.covers} |")  # type: ignore[arg-type]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(permissions_markdown(), end="")
