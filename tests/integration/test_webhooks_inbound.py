"""Inbound webhooks against the real PostgreSQL and Redis, Slack replaced by its fake API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from agents.workflows.service import WorkflowService
from bot.app import create_app
from integrations.db.models import AlertGroupRun, ProcessedDelivery, WorkflowRun
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.signing import sign, sign_body
from tests.fakes.slack_api import FakeSlackAPI
from tests.unit.webhooks import payloads
from tests.unit.webhooks.conftest import (
    AM_TOKEN,
    GENERIC_SECRET,
    GITHUB_SECRET,
    Tenant,
    setup_tenant,
)

pytestmark = pytest.mark.integration
CHANNEL = "C0ALERTS1"


@pytest.fixture
def slack() -> Iterator[FakeSlackAPI]:
    with FakeSlackAPI() as fake:
        yield fake


@pytest.fixture
def settings(service_settings: Settings, slack: FakeSlackAPI) -> Settings:
    return service_settings.model_copy(
        update={"slack_bot_token": SecretStr("xoxb-test-token"), "slack_api_url": slack.api_url}
    )


@pytest.fixture
def tenant(settings: Settings, tenant_id: str) -> Tenant:
    return setup_tenant(settings, tenant_id, channel=CHANNEL)


@pytest.fixture
def client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings))


def _runs(tenant: Tenant) -> list[WorkflowRun]:
    with tenant_session(tenant.settings.database_url, tenant.id) as session:
        return list(session.scalars(select(WorkflowRun).order_by(WorkflowRun.id)))


def _settle(tenant: Tenant, run_ids: list[str]) -> None:
    """Wait for the runs the receivers answered with (public ids)."""
    service = WorkflowService(tenant.settings)
    numbers = [service.resolve(tenant.id, run_id) for run_id in run_ids]
    service.wait_settled(tenant.id, numbers, timeout=60)


# -- generic ---------------------------------------------------------------------------------


def _generic(client: TestClient, tenant: Tenant, payload: dict) -> object:
    body = json.dumps(payload).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-BMAD-Timestamp": str(ts),
        "X-BMAD-Signature": sign(GENERIC_SECRET, ts, body),
    }
    return client.post(f"/webhooks/generic/{tenant.id}", content=body, headers=headers)


def test_generic_turn_answers_in_the_response(client: TestClient, tenant: Tenant) -> None:
    r = _generic(client, tenant, {"text": "what can you do", "conversation_id": "ops-1"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["intent"] == "help"
    assert body["conversation_key"] == f"{tenant.id}:webhook:ops-1"
    assert body["posted_to"] is None
    assert body["text"]


def test_generic_turn_posts_to_the_given_channel(
    client: TestClient, tenant: Tenant, slack: FakeSlackAPI
) -> None:
    r = _generic(client, tenant, {"text": "which agents are there", "channel": "C0OPS0001"})
    assert r.status_code == 200, r.text
    assert r.json()["posted_to"] == "C0OPS0001"
    posts = slack.calls_to("chat.postMessage")
    assert len(posts) == 1
    assert posts[0].params["channel"] == "C0OPS0001"
    assert posts[0].params["text"] == r.json()["text"]


def test_generic_run_results_reach_the_channel_and_the_notices_api(
    client: TestClient, tenant: Tenant, slack: FakeSlackAPI
) -> None:
    """Defect: a generic webhook with a `channel` said "I will post the results here", but
    the results stayed in a Redis stream that no API or channel read."""
    payload = {
        "text": "write a user story for bulk CSV import",
        "channel": "C0RESULTS",
        "conversation_id": "csv-1",
    }
    r = _generic(client, tenant, payload)
    assert r.status_code == 200 and r.json()["kind"] == "started", r.text
    (run_id,) = r.json()["run_ids"]
    _settle(tenant, [run_id])
    in_channel = [
        c for c in slack.calls_to("chat.postMessage") if c.params["channel"] == "C0RESULTS"
    ]
    texts = " ".join(
        str(c.params.get("text", "")) + str(c.params.get("blocks", "")) for c in in_channel
    )
    assert len(in_channel) >= 2 and "CSV" in texts  # the reply, then the step's result
    notices = client.get(
        "/api/v1/conversations/csv-1/notices",
        params={"source": "webhook"},
        headers={"Authorization": f"Bearer {tenant.api_key}"},
    )
    assert notices.status_code == 200, notices.text
    kinds = [n["kind"] for n in notices.json()["notices"]]
    assert "step_result" in kinds and all(n["run_id"] == run_id for n in notices.json()["notices"])


def test_generic_replay_is_a_duplicate(client: TestClient, tenant: Tenant) -> None:
    body = json.dumps({"text": "what can you do", "conversation_id": "replay"}).encode()
    ts = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-BMAD-Timestamp": str(ts),
        "X-BMAD-Signature": sign(GENERIC_SECRET, ts, body),
    }
    first = client.post(f"/webhooks/generic/{tenant.id}", content=body, headers=headers)
    again = client.post(f"/webhooks/generic/{tenant.id}", content=body, headers=headers)
    assert first.json()["kind"] == "answer"
    assert again.json()["kind"] == "duplicate"


# -- GitHub ----------------------------------------------------------------------------------


def _github(client: TestClient, tenant: Tenant, event: str, payload: dict, delivery: str):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": sign_body(GITHUB_SECRET, body),
        "User-Agent": "GitHub-Hookshot/abc123",
    }
    return client.post(f"/webhooks/github/{tenant.id}", content=body, headers=headers)


def test_github_events_start_runs_once(
    client: TestClient, tenant: Tenant, slack: FakeSlackAPI
) -> None:
    assert _github(client, tenant, "ping", payloads.GITHUB_PING, "p-1").json() == {
        "status": "pong",
        "run_id": None,
    }
    pr = _github(client, tenant, "pull_request", payloads.github_pull_request(), "d-pr-1")
    assert pr.status_code == 200, pr.text
    assert pr.json()["status"] == "started"
    # GitHub redelivers with the same X-GitHub-Delivery: processed once.
    again = _github(client, tenant, "pull_request", payloads.github_pull_request(), "d-pr-1")
    assert again.status_code == 200 and again.json() == {"status": "duplicate", "run_id": None}
    ci = _github(client, tenant, "workflow_run", payloads.github_workflow_run(), "d-ci-1")
    green = payloads.github_workflow_run("success")
    ok = _github(client, tenant, "workflow_run", green, "d-ci-2")
    rel = _github(client, tenant, "release", payloads.github_release(), "d-rel-1")
    assert ci.json()["status"] == "started"
    assert ok.status_code == 202
    assert rel.json()["status"] == "started"

    runs = _runs(tenant)
    answered = [pr.json()["run_id"], ci.json()["run_id"], rel.json()["run_id"]]
    assert [r.public_id for r in runs] == answered
    assert runs[0].workflow == "single_task"
    assert runs[0].inputs["task"] == "review_code"
    assert runs[0].inputs["target"] == "https://github.com/acme/shop/pull/42"
    assert runs[1].workflow == "incident_response"
    assert runs[1].inputs["service"] == "acme/shop"
    assert runs[2].inputs["task"] == "write_release_notes"
    assert runs[2].inputs["version"] == "v1.4.0"
    announcements = [c for c in slack.calls_to("chat.postMessage") if "thread_ts" not in c.params]
    assert len(announcements) == 3
    # each run lives in the thread of its announcement
    assert runs[0].conversation_key.startswith(f"{tenant.id}:slack:{CHANNEL}:")
    with tenant_session(tenant.settings.database_url, tenant.id) as session:
        outcomes = dict(
            session.execute(select(ProcessedDelivery.delivery_id, ProcessedDelivery.outcome)).all()
        )
    assert outcomes["d-pr-1"] == f"run:{runs[0].id}"
    _settle(tenant, [r.public_id for r in runs])


def test_github_event_actions_are_per_tenant(
    client: TestClient, tenant: Tenant, settings: Settings
) -> None:
    from bot.webhooks.config import configure_source

    with tenant_session(settings.database_url, tenant.id) as session:
        configure_source(
            session,
            settings,
            tenant.id,
            "github",
            event_actions={"pull_request": "security_review", "release": ""},
        )
    pr = _github(client, tenant, "pull_request", payloads.github_pull_request("synchronize"), "s-1")
    rel = _github(client, tenant, "release", payloads.github_release(), "s-2")
    assert pr.json()["status"] == "started"
    assert rel.status_code == 202
    (run,) = _runs(tenant)
    assert run.inputs["task"] == "security_review"
    _settle(tenant, [run.public_id])


# -- Alertmanager ----------------------------------------------------------------------------


def _alert(client: TestClient, tenant: Tenant, payload: dict):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {AM_TOKEN}"}
    return client.post(
        f"/webhooks/alertmanager/{tenant.id}", content=json.dumps(payload), headers=headers
    )


def test_alert_group_is_one_run_and_one_thread(
    client: TestClient, tenant: Tenant, slack: FakeSlackAPI
) -> None:
    first = _alert(client, tenant, payloads.alertmanager("firing", n=1))
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "started"
    run_id = first.json()["run_id"]
    repeat = _alert(client, tenant, payloads.alertmanager("firing", n=2))
    assert repeat.json() == {"status": "updated", "run_id": run_id}
    _settle(tenant, [run_id])
    resolved = _alert(client, tenant, payloads.alertmanager("resolved", n=2))
    assert resolved.json() == {"status": "resolved", "run_id": run_id}

    assert [r.public_id for r in _runs(tenant)] == [run_id]
    posts = slack.calls_to("chat.postMessage", channel=CHANNEL)
    roots = [p for p in posts if not p.params.get("thread_ts")]
    assert len(roots) == 1, [p.params for p in posts]
    root = roots[0]
    assert "ProbeFailure" in root.params["text"]
    thread = [p for p in posts if p.params.get("thread_ts")]
    root_ts = thread[0].params["thread_ts"]
    assert all(p.params["thread_ts"] == root_ts for p in thread)
    assert any("Still firing" in p.params["text"] for p in thread)
    assert "Resolved" in thread[-1].params["text"]
    service = WorkflowService(tenant.settings)
    run = service.get(tenant.id, service.resolve(tenant.id, run_id))
    assert run.status in ("succeeded", "cancelled")
    assert run.conversation_key == f"{tenant.id}:slack:{CHANNEL}:{root_ts}"
    with tenant_session(tenant.settings.database_url, tenant.id) as session:
        group = session.scalars(select(AlertGroupRun)).one()
    assert (group.status, group.run_id, group.thread_ts, group.notifications) == (
        "resolved",
        run.id,
        root_ts,
        3,
    )


def test_refiring_after_resolution_is_a_new_incident(client: TestClient, tenant: Tenant) -> None:
    one = _alert(client, tenant, payloads.alertmanager("firing")).json()["run_id"]
    _settle(tenant, [one])
    _alert(client, tenant, payloads.alertmanager("resolved"))
    two = _alert(client, tenant, payloads.alertmanager("firing")).json()
    assert two["status"] == "started" and two["run_id"] != one
    other_group = payloads.alertmanager("firing", group_key='{}:{alertname="DiskFull"}')
    three = _alert(client, tenant, other_group).json()
    assert three["status"] == "started" and three["run_id"] not in (one, two["run_id"])
    _settle(tenant, [two["run_id"], three["run_id"]])


def test_alert_token_of_another_tenant_is_refused(
    client: TestClient, tenant: Tenant, settings: Settings
) -> None:
    from bot.webhooks.config import configure_source

    other = setup_tenant(settings, tenant.id + "b")
    with tenant_session(settings.database_url, other.id) as session:
        configure_source(session, settings, other.id, "alertmanager", token="amtok_other")
    headers = {"Content-Type": "application/json", "Authorization": "Bearer amtok_other"}
    r = client.post(
        f"/webhooks/alertmanager/{tenant.id}",
        content=json.dumps(payloads.alertmanager()),
        headers=headers,
    )
    assert r.status_code == 401
    assert _runs(tenant) == []


def test_concurrent_notifications_of_one_group_start_one_run(
    client: TestClient, tenant: Tenant
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    payload = payloads.alertmanager("firing", group_key='{}:{alertname="Burst"}')
    with ThreadPoolExecutor(max_workers=5) as pool:
        results = list(pool.map(lambda _: _alert(client, tenant, payload).json(), range(5)))
    assert sorted(r["status"] for r in results) == ["started"] + ["updated"] * 4
    assert len({r["run_id"] for r in results}) == 1
    assert len(_runs(tenant)) == 1
    _settle(tenant, [results[0]["run_id"]])


def test_concurrent_github_redeliveries_start_one_run(client: TestClient, tenant: Tenant) -> None:
    from concurrent.futures import ThreadPoolExecutor

    pr = payloads.github_pull_request()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(
            pool.map(lambda _: _github(client, tenant, "pull_request", pr, "same").json(), range(4))
        )
    assert sorted(r["status"] for r in results) == ["duplicate"] * 3 + ["started"]
    (run,) = _runs(tenant)
    _settle(tenant, [run.public_id])
