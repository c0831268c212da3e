"""`bmad audit export` against the real PostgreSQL: per tenant or all, TSV or JSON lines."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from bot.cli.main import app
from integrations.db.events import record_audit
from integrations.db.session import tenant_session
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def _env(settings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"BMAD_DATABASE_URL": settings.database_url, "BMAD_LOG_JSON": "1"}


def test_audit_export_json_and_tsv(service_settings, tenant_id, monkeypatch):  # type: ignore[no-untyped-def]
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
    from integrations.settings import get_settings

    get_settings.cache_clear()
    for k, v in _env(service_settings).items():
        monkeypatch.setenv(k, v)
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "export", "--tenant", tenant_id, "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(e["tenant_id"], e["actor"], e["action"], e["target"], e["source"]) for e in lines] == [
        (tenant_id, "U1", "role.change", "U2", "slack")
    ]
    assert lines[0]["details"] == {"to": "admin"} and lines[0]["when"]

    result = runner.invoke(app, ["audit", "export"])
    get_settings.cache_clear()
    rows = [line.split("\t") for line in result.stdout.splitlines()]
    assert {r[1] for r in rows} >= {tenant_id, other}

    result = runner.invoke(app, ["audit", "export", "--tenant", "nope-does-not-exist"])
    get_settings.cache_clear()
    assert result.exit_code == 2
