"""`bmad audit export` against the real PostgreSQL: per tenant or all, TSV or JSON lines.

Runs the real CLI in a subprocess (as an operator would), so the command's own logging
set-up cannot leak into other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from integrations.db.events import record_audit
from integrations.db.session import tenant_session
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def _bmad(settings, *args: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    env = {**os.environ, "BMAD_DATABASE_URL": settings.database_url, "BMAD_LOG_LEVEL": "WARNING"}
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_audit_export_json_and_tsv(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    other = tenant_id + "b"
    for t in (tenant_id, other):
        make_tenant(service_settings.database_url, t)
        with tenant_session(service_settings.database_url, t) as session:
            record_audit(
                session,
                t,
                actor="U1",
                action="role.change",
                target="U2",
                details={"to": "admin"},
                source="slack",
            )

    result = _bmad(
        service_settings, "audit", "export", "--tenant", tenant_id, "--json", "--action", "role."
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["tenant_id"], e["actor"], e["action"], e["target"], e["source"]) for e in lines] == [
        (tenant_id, "U1", "role.change", "U2", "slack")
    ]
    assert lines[0]["details"] == {"to": "admin"} and lines[0]["when"]

    result = _bmad(service_settings, "audit", "export")
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert {r[1] for r in rows} >= {tenant_id, other}

    result = _bmad(service_settings, "audit", "export", "--tenant", "nope-does-not-exist")
    assert result.returncode == 2
    assert "unknown tenant" in result.stderr
