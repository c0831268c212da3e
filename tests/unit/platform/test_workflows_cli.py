"""`bmad workflows list/show/import/export/delete --tenant T` on the database store."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.platform.conftest import run

TEMPLATE = """name: hello_world
description: Say hello.
steps:
  - name: say
    kind: notify
    message: run_summary
"""


def _listed(tenant: str = "tcli") -> dict[str, dict]:
    code, out = run("workflows", "list", "--tenant", tenant)
    assert code == 0, out
    return {w["name"]: w for w in json.loads(out.strip().splitlines()[-1])}


def test_import_export_show_delete(db: str, tmp_path: Path) -> None:
    path = tmp_path / "hello.yaml"
    path.write_text(TEMPLATE)
    code, out = run("workflows", "import", str(path), "--tenant", "tcli")
    assert code == 0 and "version 1" in out
    assert _listed()["hello_world"]["origin"] == "tenant"
    assert (
        "hello_world" not in _listed("tcli2")
        if run("tenants", "create", "tcli2")[0] == 0
        else False
    )

    code, out = run("workflows", "export", "hello_world", "--tenant", "tcli", "--format", "json")
    assert code == 0 and json.loads(out)["steps"][0]["name"] == "say"
    exported = tmp_path / "again.json"
    exported.write_text(out)
    code, out = run("workflows", "import", str(exported), "--tenant", "tcli")
    assert code == 0 and "version 2" in out
    code, out = run("workflows", "show", "hello_world", "--tenant", "tcli")
    assert code == 0 and "name: hello_world" in out

    assert run("workflows", "delete", "hello_world", "--tenant", "tcli")[0] == 0
    assert "hello_world" not in _listed()
    assert run("workflows", "delete", "hello_world", "--tenant", "tcli")[0] == 1
    assert run("workflows", "show", "hello_world", "--tenant", "tcli")[0] == 1

    code, out = run("audit", "export", "--tenant", "tcli", "--action", "workflow.", "--json")
    actions = [json.loads(line)["action"] for line in out.strip().splitlines()]
    assert actions == ["workflow.saved", "workflow.saved", "workflow.deleted"]


def test_import_refuses_an_invalid_file_naming_the_field(db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("name: bad\nsteps:\n  - {name: a, kind: notify, need: [b]}\n")
    code, out = run("workflows", "import", str(path), "--tenant", "tcli")
    assert code == 2 and "steps.0.need" in out
    assert "bad" not in _listed()
    assert run("workflows", "list", "--tenant", "nobody")[0] == 2
