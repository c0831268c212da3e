"""The permission matrix: monotonic, documented, and refusals that name the role needed."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from agents.access import (
    MATRIX_FILE,
    PermissionDenied,
    can,
    load_matrix,
    needed_role,
    permissions_markdown,
    require,
)
from integrations.db.models import Role

DOCS = Path(__file__).resolve().parents[3] / "docs" / "permissions.md"
ALL = [
    "run_agents",
    "start_production_deploy",
    "approve",
    "manage_roles",
    "manage_billing",
    "manage_workflows",
    "export_data",
    "delete_data",
]


def test_docs_match_the_yaml_matrix() -> None:
    assert DOCS.read_text(encoding="utf-8") == permissions_markdown()


def test_every_permission_is_documented_and_held_by_owner() -> None:
    matrix = load_matrix()
    assert sorted(matrix.permissions) == sorted(ALL)
    assert all(can(Role.owner, p) for p in ALL)  # type: ignore[arg-type]
    assert not any(can(Role.viewer, p) for p in ALL)  # type: ignore[arg-type]
    assert not any(can(None, p) for p in ALL)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("permission", "role"),
    [("run_agents", Role.member), ("approve", Role.admin), ("manage_billing", Role.admin)],
)
def test_needed_role_is_the_lowest_holder(permission: str, role: Role) -> None:
    assert needed_role(permission) == role  # type: ignore[arg-type]


def test_refusal_names_the_needed_role_in_the_users_language() -> None:
    with pytest.raises(PermissionDenied) as en:
        require(Role.member, "manage_roles", "en")
    assert en.value.needed_role == Role.admin
    assert "*admin*" in en.value.message and "changing roles" in en.value.message
    with pytest.raises(PermissionDenied) as nl:
        require(Role.viewer, "run_agents", "nl")
    assert "*member*" in nl.value.message and "agent-runs starten" in nl.value.message
    require(Role.admin, "manage_roles")  # allowed: no exception


def test_a_non_monotonic_matrix_is_rejected(tmp_path: Path) -> None:
    raw = yaml.safe_load(MATRIX_FILE.read_text(encoding="utf-8"))
    raw["roles"]["member"] = ["run_agents", "approve"]
    raw["roles"]["admin"] = ["run_agents"]
    broken = tmp_path / "permissions.yaml"
    broken.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(ValueError, match="must hold every permission"):
        load_matrix(broken)
