"""Done when: the audit export shows role, key, webhook and template changes (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.platform.conftest import run


def _export(*args: str) -> list[dict]:
    code, out = run("audit", "export", "--tenant", "tcli", "--json", *args)
    assert code == 0, out
    return [json.loads(line) for line in out.strip().splitlines() if line.startswith("{")]


def test_every_change_of_who_can_do_what_is_in_the_audit_export(db: str, tmp_path: Path) -> None:
    assert run("users", "set-role", "U1", "admin", "--tenant", "tcli")[0] == 0
    assert run("users", "set-email", "U1", "u1@example.com", "--tenant", "tcli")[0] == 0
    # a key without a user is read-only and must say so (issue 14)
    code, out = run("apikeys", "create", "--tenant", "tcli", "--name", "ci", "--scope", "read")
    assert code == 0, out
    code, out = run("apikeys", "list", "--tenant", "tcli", "--json")
    prefix = json.loads(out.strip().splitlines()[-1])[0]["prefix"]
    assert run("apikeys", "revoke", prefix, "--tenant", "tcli")[0] == 0
    args = ("--tenant", "tcli", "--source", "generic", "--generate-secret")
    code, out = run("webhooks", "configure", *args)
    assert code == 0
    secret = next(line for line in out.splitlines() if line.startswith("secret: "))[8:]
    code, out = run(
        "webhooks", "endpoint-add", "--tenant", "tcli", "--url", "http://127.0.0.1:9/x",
        "--event", "run.failed",
    )  # fmt: skip
    assert code == 0
    assert run("webhooks", "endpoint-enable", "1", "--tenant", "tcli", "--off")[0] == 0
    template = tmp_path / "t.yaml"
    template.write_text("name: t1\nsteps:\n  - {name: s, kind: notify}\n")
    assert run("workflows", "import", str(template), "--tenant", "tcli")[0] == 0
    assert run("tenants", "set", "tcli", "--plan", "team")[0] == 0

    entries = _export()
    actions = [e["action"] for e in entries]
    for wanted in (
        "role.change",
        "user.email_set",
        "apikey.created",
        "apikey.revoked",
        "webhook.source_created",
        "webhook.endpoint_added",
        "webhook.endpoint_disabled",
        "workflow.saved",
        "tenant.plan_changed",
    ):
        assert wanted in actions, wanted
    assert all(e["actor"].startswith("cli:") for e in entries if e["action"] != "tenant.created")
    assert secret not in json.dumps(entries)  # what changed, never the secret itself

    # filters: by action prefix and by time
    assert {e["action"] for e in _export("--action", "apikey.")} == {
        "apikey.created",
        "apikey.revoked",
    }
    assert _export("--until", "2000-01-01") == []
    assert len(_export("--since", "2000-01-01")) == len(entries)
