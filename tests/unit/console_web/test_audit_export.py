"""The audit log leaves the console as CSV or JSON lines: every entry of the tenant (not a
page), the action filter applied, formulas in user-made cells neutralised, admins only."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from bot.app import create_app
from integrations.db.events import record_audit
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

TENANT, OTHER = "webx", "webq"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    for tenant in (TENANT, OTHER):
        make_tenant(embedded_settings.database_url, tenant)
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    give_role(embedded_settings, TENANT, "mia", Role.member)
    with tenant_session(embedded_settings.database_url, TENANT) as session:
        for i in range(60):  # more than one page of the audit page
            record_audit(session, TENANT, actor="ann", action="test.made", target=f"t{i}")
        record_audit(session, TENANT, actor='=HYPERLINK("x")', action="test.odd", target="-1")
    with tenant_session(embedded_settings.database_url, OTHER) as session:
        record_audit(session, OTHER, actor="zed", action="test.made", target="theirs")
    return embedded_settings


def _client(settings: Settings, user: str) -> TestClient:
    client = TestClient(create_app(settings))
    sign_in(client, settings, TENANT, user)
    return client


def test_csv_has_every_entry_of_the_tenant_only(settings: Settings) -> None:
    response = _client(settings, "ann").get("/console/audit/export", params={"action": "test."})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert 'filename="audit-webx.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 61 and {r["tenant_id"] for r in rows} == {TENANT}
    odd = rows[-1]
    assert odd["actor"] == '\'=HYPERLINK("x")' and odd["target"] == "'-1"  # not a formula


def test_json_lines_parse(settings: Settings) -> None:
    response = _client(settings, "ann").get(
        "/console/audit/export", params={"format": "jsonl", "action": "test.made"}
    )
    records = [json.loads(line) for line in response.text.splitlines()]
    assert len(records) == 60 and records[0]["target"] == "t0"


def test_members_cannot_export(settings: Settings) -> None:
    assert _client(settings, "mia").get("/console/audit/export").status_code == 403
