"""Workflow templates in the console: list (a broken one does not break it), the step graph,
the YAML editor (validation keeps the text), file import, export, delete, and roles."""

from __future__ import annotations

import re

import pytest
import yaml
from fastapi.testclient import TestClient

from agents.workflows import store
from bot.app import create_app
from integrations.audit_log import iter_audit
from integrations.db.models import Role, WorkflowTemplateRow
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

TENANT = "webw"
REVIEW = """name: team_review
description: Review then decide.
inputs: [target]
steps:
  - {name: review, kind: agent, agent: developer, task: review_code}
  - {name: threat, kind: agent, agent: security_developer, task: security_review}
  - {name: ok, kind: approval, role: admin, needs: [review, threat]}
"""


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT)
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    give_role(embedded_settings, TENANT, "mia", Role.member)
    return embedded_settings


def _client(settings: Settings, user: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    return client, sign_in(client, settings, TENANT, user)


def _stored(settings: Settings, name: str) -> store.StoredTemplate | None:
    with tenant_session(settings.database_url, TENANT) as session:
        return store.stored(session, name)


def test_save_view_graph_export_and_delete(settings: Settings) -> None:
    client, csrf = _client(settings, "ann")
    saved = client.post(
        "/console/workflows", data={"text": REVIEW, "csrf": csrf}, follow_redirects=False
    )
    assert (
        saved.status_code == 303 and saved.headers["location"] == "/console/workflows/team_review"
    )
    found = _stored(settings, "team_review")
    assert found is not None and found.version == 1 and found.created_by == "ann"

    page = client.get("/console/workflows/team_review")
    assert page.status_code == 200 and "(v1)" in page.text
    graph = page.text.split('id="step-graph"')[1].split("</svg>")[0]
    xs = {
        name: int(x)
        for x, name in re.findall(
            r'<text x="(\d+)" y="\d+" font-size="12"[^>]*>(\w+)</text>', graph
        )
    }
    assert xs["review"] == xs["threat"] < xs["ok"]  # parallel steps share a column
    assert graph.count("<line") == 2  # ok waits for both

    exported = client.get("/console/workflows/team_review/export")
    assert exported.headers["content-type"].startswith("application/yaml")
    assert "attachment" in exported.headers["content-disposition"]
    assert yaml.safe_load(exported.text)["steps"][2]["needs"] == ["review", "threat"]

    listing = client.get("/console/workflows")
    assert "team_review" in listing.text and "feature_delivery" in listing.text

    gone = client.post(
        "/console/workflows/team_review/delete", data={"csrf": csrf}, follow_redirects=False
    )
    assert gone.status_code == 303 and _stored(settings, "team_review") is None
    with tenant_session(settings.database_url, TENANT) as session:
        actions = [(r.action, r.source) for r in iter_audit(session, action_prefix="workflow.")]
    assert actions == [("workflow.saved", "console"), ("workflow.deleted", "console")]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: x\nsteps: [", "line"),
        (REVIEW.replace("task: review_code", "task: write_poems"), "steps.0.task"),
        (REVIEW.replace("needs: [review, threat]", "needs: [review, nowhere]"), "nowhere"),
    ],
)
def test_an_invalid_template_keeps_the_text_and_says_what_is_wrong(
    settings: Settings, text: str, problem: str
) -> None:
    client, csrf = _client(settings, "ann")
    refused = client.post("/console/workflows", data={"text": text, "csrf": csrf})
    assert refused.status_code == 422
    shown = re.search(r'<p class="notice" role="alert" id="problem">([^<]+)</p>', refused.text)
    assert shown is not None and problem in shown.group(1)
    assert "write_poems" in refused.text or "nowhere" in refused.text or "steps: [" in refused.text
    with tenant_session(settings.database_url, TENANT) as session:
        assert store.stored_names(session) == []


def test_import_a_file(settings: Settings) -> None:
    client, csrf = _client(settings, "ann")
    imported = client.post(
        "/console/workflows",
        data={"csrf": csrf},
        files={"file": ("team_review.yaml", REVIEW.encode(), "application/yaml")},
        follow_redirects=False,
    )
    assert imported.status_code == 303
    assert _stored(settings, "team_review") is not None


def test_a_broken_stored_template_is_listed_with_its_problem(settings: Settings) -> None:
    with tenant_session(settings.database_url, TENANT) as session:
        session.add(
            WorkflowTemplateRow(
                tenant_id=TENANT,
                name="broken",
                version=1,
                body={"name": "broken", "steps": "not a list"},
                deleted=False,
                created_by="old",
            )
        )
    client, _ = _client(settings, "mia")
    listing = client.get("/console/workflows")
    assert listing.status_code == 200 and 'class="problem"' in listing.text
    assert client.get("/console/workflows/broken").status_code == 409


def test_members_read_templates_but_cannot_change_them(settings: Settings) -> None:
    client, csrf = _client(settings, "mia")
    page = client.get("/console/workflows/feature_delivery")
    assert page.status_code == 200 and "<textarea" not in page.text
    assert "/console/new-workflow" not in client.get("/console/workflows").text
    assert client.get("/console/new-workflow").status_code == 403
    forged = client.post("/console/workflows", data={"text": REVIEW, "csrf": csrf})
    assert forged.status_code == 403 and _stored(settings, "team_review") is None
    assert client.get("/console/workflows/nope").status_code == 404


def test_a_built_in_template_cannot_be_deleted(settings: Settings) -> None:
    client, csrf = _client(settings, "ann")
    refused = client.post("/console/workflows/release/delete", data={"csrf": csrf})
    assert refused.status_code == 409 and "Built-in templates cannot be deleted" in refused.text
