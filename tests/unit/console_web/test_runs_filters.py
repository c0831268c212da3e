"""The runs list filters by status, workflow, who asked and since when, and its cursor keeps
the filters (page two of "mia's deploys" is still mia's deploys)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from bot.app import create_app
from integrations.db.models import Role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

TENANT = "webr"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT, plan="self_hosted")  # no run quota
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    give_role(embedded_settings, TENANT, "mia", Role.member)
    return embedded_settings


def _start(service: WorkflowService, user: str, workflow: str, n: int) -> list[str]:
    inputs = {
        "deploy": {"service": "checkout", "environment": "staging"},
        "single_task": {"agent": "developer", "task": "review_code", "target": "lookup"},
    }[workflow]
    runs = [
        service.start(
            tenant_id=TENANT,
            workflow=workflow,
            inputs=inputs,
            conversation_key=f"{TENANT}:web:{user}",
            user_id=user,
        )
        for _ in range(n)
    ]
    service.wait_settled(TENANT, [r.id for r in runs], timeout=60)
    return [r.public_id for r in runs]  # what the pages link to


def _ids(html: str) -> list[str]:
    table = html.split('id="runs"')[1] if 'id="runs"' in html else ""
    return re.findall(r'<a href="/console/runs/(run_\w+)">', table)


def test_filters_and_a_cursor_that_keeps_them(settings: Settings) -> None:
    service = WorkflowService(settings)
    mia_deploys = _start(service, "mia", "deploy", 27)
    ann_reviews = _start(service, "ann", "single_task", 2)
    mia_reviews = _start(service, "mia", "single_task", 1)
    client = TestClient(create_app(settings))
    sign_in(client, settings, TENANT, "ann")

    reviews = client.get("/console/runs", params={"workflow": "single_task"})
    assert sorted(_ids(reviews.text)) == sorted(ann_reviews + mia_reviews)
    by_ann = client.get("/console/runs", params={"who": "ann"})
    assert sorted(_ids(by_ann.text)) == sorted(ann_reviews)

    first = client.get("/console/runs", params={"workflow": "deploy", "who": "mia"})
    page_one = _ids(first.text)
    assert len(page_one) == 25 and set(page_one) <= set(mia_deploys)
    link = re.search(r'<a id="next" href="(/console/runs\?[^"]+)">', first.text)
    assert link is not None
    second = client.get(link.group(1).replace("&amp;", "&"))
    assert sorted(page_one + _ids(second.text)) == sorted(mia_deploys)  # no review slipped in

    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    none = client.get("/console/runs", params={"since": tomorrow}).text
    assert _ids(none) == [] and "No runs match these filters." in none
    today = datetime.now(UTC).date().isoformat()
    assert len(_ids(client.get("/console/runs", params={"since": today}).text)) == 25


@pytest.mark.parametrize(
    "params",
    [
        {"since": "yesterday"},
        {"since": "2026-13-45"},
        {"workflow": "DROP TABLE"},
        {"cursor": "-1"},
        {"who": "x" * 65},
    ],
)
def test_bad_filters_are_a_4xx_not_a_crash(settings: Settings, params: dict[str, str]) -> None:
    client = TestClient(create_app(settings))
    sign_in(client, settings, TENANT, "ann")
    response = client.get("/console/runs", params=params)
    assert response.status_code == 422 and response.headers["content-type"].startswith(
        "application/json"
    )
