"""Runs, run detail with decisions, the approvals inbox and chat, in the embedded default.

Decisions go through the workflow service, so roles and four eyes hold for the console
too: a member's forged POST is refused like a Slack button press would be."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi.testclient import TestClient

from agents.workflows.service import WorkflowService
from agents.workflows.views import RunView
from bot.app import create_app
from integrations.db.models import Role, WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

TENANT = "webp"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT, plan="self_hosted")  # no run quota
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    give_role(embedded_settings, TENANT, "bob", Role.admin)
    give_role(embedded_settings, TENANT, "mia", Role.member)
    return embedded_settings


@pytest.fixture
def service(settings: Settings) -> WorkflowService:
    return WorkflowService(settings)


def _client(settings: Settings, user: str, tenant: str = TENANT) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    return client, sign_in(client, settings, tenant, user)


def _waiting_deploy(service: WorkflowService, user: str, service_name: str = "checkout") -> RunView:
    run = service.start(
        tenant_id=TENANT,
        workflow="production_deploy",
        inputs={"service": service_name, "environment": "production"},
        conversation_key=f"{TENANT}:web:{user}",
        user_id=user,
    )
    service.wait_settled(TENANT, [run.id], timeout=30)
    assert service.get(TENANT, run.id).status == "waiting_approval"
    return run


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'<button type="submit" id="(approve|reject|cancel)"', html))


def test_member_sees_no_approve_button_and_a_forged_post_is_refused(
    settings: Settings, service: WorkflowService
) -> None:
    run = _waiting_deploy(service, "mia")
    run_id = run.public_id  # what URLs carry
    mia, csrf = _client(settings, "mia")
    page = mia.get(f"/console/runs/{run_id}")
    assert page.status_code == 200 and "waiting_approval" in page.text
    assert _buttons(page.text) == {"cancel"}  # her own run: she may cancel it
    for form in ({"csrf": csrf, "confirm": "yes"}, {"csrf": csrf}):
        forged = mia.post(f"/console/runs/{run_id}/approve", data=form)
        assert forged.status_code == 403
    assert service.get(TENANT, run.id).status == "waiting_approval"


def test_admin_approves_a_production_deploy_in_the_run_page(
    settings: Settings, service: WorkflowService
) -> None:
    run = _waiting_deploy(service, "mia")
    run_id = run.public_id  # what URLs carry
    ann, csrf = _client(settings, "ann")
    page = ann.get(f"/console/runs/{run_id}")
    assert _buttons(page.text) == {"approve", "reject", "cancel"}
    assert 'name="confirm" value="yes"' in page.text  # production: confirmed on purpose
    no_csrf = ann.post(f"/console/runs/{run_id}/approve", data={"confirm": "yes"})
    assert no_csrf.status_code == 403
    unconfirmed = ann.post(f"/console/runs/{run_id}/approve", data={"csrf": csrf})
    assert unconfirmed.status_code == 400
    assert service.get(TENANT, run.id).status == "waiting_approval"
    done = ann.post(f"/console/runs/{run_id}/approve", data={"csrf": csrf, "confirm": "yes"})
    assert done.status_code == 200  # followed the 303 back to the run page
    service.wait_settled(TENANT, [run.id], timeout=30)
    assert service.get(TENANT, run.id).status == "succeeded"
    after = ann.get(f"/console/runs/{run_id}").text
    assert 'id="run-status" class="status-succeeded"' in after and not _buttons(after)
    again = ann.post(f"/console/runs/{run_id}/approve", data={"csrf": csrf, "confirm": "yes"})
    assert again.status_code == 409


def test_four_eyes_hold_in_the_console(settings: Settings, service: WorkflowService) -> None:
    run = _waiting_deploy(service, "ann")
    run_id = run.public_id  # what URLs carry
    ann, csrf = _client(settings, "ann")
    assert _buttons(ann.get(f"/console/runs/{run_id}").text) == {"reject", "cancel"}
    assert 'href="/console/runs/' not in ann.get("/console/approvals").text
    refused = ann.post(f"/console/runs/{run_id}/approve", data={"csrf": csrf, "confirm": "yes"})
    assert refused.status_code == 403 and "bob" in refused.text  # names who can approve
    assert service.get(TENANT, run.id).status == "waiting_approval"
    bob, bob_csrf = _client(settings, "bob")
    assert _buttons(bob.get(f"/console/runs/{run_id}").text) == {"approve", "reject", "cancel"}
    ok = bob.post(f"/console/runs/{run_id}/approve", data={"csrf": bob_csrf, "confirm": "yes"})
    assert ok.status_code == 200


def test_another_tenants_run_is_not_found(settings: Settings, service: WorkflowService) -> None:
    make_tenant(settings.database_url, "webother")
    give_role(settings, "webother", "zed", Role.owner)
    run = _waiting_deploy(service, "mia")
    run_id = run.public_id  # what URLs carry
    zed = TestClient(create_app(settings))
    csrf = sign_in(zed, settings, "webother", "zed")
    assert zed.get(f"/console/runs/{run_id}").status_code == 404
    forged = zed.post(f"/console/runs/{run_id}/approve", data={"csrf": csrf, "confirm": "yes"})
    assert forged.status_code == 404
    assert zed.get(f"/console/runs/{run.id}").status_code == 404  # the number is no address
    assert zed.get("/console/runs/99999999999").status_code == 404


def test_outputs_are_escaped(settings: Settings, service: WorkflowService) -> None:
    run = _waiting_deploy(service, "mia")
    run_id = run.public_id  # what URLs carry
    with tenant_session(settings.database_url, TENANT) as session:
        step = session.query(WorkflowStep).filter_by(run_id=run.id, name="plan").one()
        step.output = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    ann, _ = _client(settings, "ann")
    html = ann.get(f"/console/runs/{run_id}").text
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html  # Markdown, raw HTML off


def test_runs_list_pages_with_a_cursor_and_filters(
    settings: Settings, service: WorkflowService
) -> None:
    ids = [
        service.start(
            tenant_id=TENANT,
            workflow="single_task",
            inputs={"agent": "developer", "task": "review_code"},
            conversation_key=f"{TENANT}:web:mia",
            user_id="mia",
        )
        for _ in range(27)
    ]
    waiting = _waiting_deploy(service, "mia")
    service.wait_settled(TENANT, [r.id for r in ids], timeout=60)
    newest_first = [r.public_id for r in reversed([*ids, waiting])]
    ann, _ = _client(settings, "ann")
    first = ann.get("/console/runs").text
    shown = re.findall(r'href="/console/runs/(run_\w+)"', first)
    assert shown == newest_first[:25]
    cursor = re.search(r'id="next" href="/console/runs\?cursor=(run_\w+)"', first)
    assert cursor is not None
    second = ann.get(f"/console/runs?cursor={cursor.group(1)}").text
    rest = re.findall(r'href="/console/runs/(run_\w+)"', second)
    assert rest == newest_first[25:] and 'id="next"' not in second
    only = ann.get("/console/runs?status=waiting_approval").text
    assert re.findall(r'href="/console/runs/(run_\w+)"', only) == [waiting.public_id]


def test_approvals_inbox_oldest_first_for_approvers_only(
    settings: Settings, service: WorkflowService
) -> None:
    older = _waiting_deploy(service, "mia", "checkout-api")
    newer = _waiting_deploy(service, "mia", "billing-api")
    ann, _ = _client(settings, "ann")
    html = ann.get("/console/approvals").text
    assert re.findall(r'href="/console/runs/(run_\w+)"', html) == [older.public_id, newer.public_id]
    assert "checkout-api" in html and "production" in html and "mia" in html
    with tenant_session(settings.database_url, TENANT) as session:
        plan = session.query(WorkflowStep).filter_by(run_id=older.id, name="plan").one().output
    words = plan.strip().splitlines()[0].strip("#*_ ")
    assert words and words in html  # what is being approved (Markdown rendered)
    mia, _ = _client(settings, "mia")
    assert 'href="/console/runs/' not in mia.get("/console/approvals").text


def test_chat_goes_through_the_turn_pipeline(settings: Settings, service: WorkflowService) -> None:
    # Its own tenant: notices and their dedupe keys live in the process-wide embedded Redis,
    # where other tests' runs (same ids, other databases) left theirs.
    tenant = make_tenant(settings.database_url, f"webc{uuid.uuid4().hex[:8]}", "self_hosted")
    give_role(settings, tenant, "mia", Role.member)
    give_role(settings, tenant, "ann", Role.admin)
    mia, csrf = _client(settings, "mia", tenant)
    assert mia.post("/console/chat", data={"text": "hello"}).status_code == 403  # no CSRF
    r = mia.post("/console/chat", data={"csrf": csrf, "text": "deploy checkout-api to production"})
    assert r.status_code == 200 and "checkout-api" in r.text  # a production deploy asks first
    r = mia.post("/console/chat", data={"csrf": csrf, "text": "yes"})
    links = re.findall(r'class="run-link" href="/console/runs/(run_\w+)"', r.text)
    assert len(links) == 1, r.text
    run_ids = [service.resolve(tenant, links[0])]
    run = service.get(tenant, run_ids[0])
    assert run.user_id == "mia" and run.conversation_key == f"{tenant}:web:mia"
    assert run.inputs["service"] == "checkout-api"
    service.wait_settled(tenant, run_ids, timeout=30)
    service.approve(tenant, run_ids[0], "ann")
    service.wait_settled(tenant, run_ids, timeout=30)
    notices = mia.get("/console/chat").text.split('id="notices"')
    assert len(notices) == 2, notices[0]  # the run's updates reach the web conversation
    assert f'href="/console/runs/{links[0]}"' in notices[1] and "ann" in notices[1]


def test_dutch_by_accept_language_then_by_choice(settings: Settings) -> None:
    ann, csrf = _client(settings, "ann")
    assert "Goedkeuringen" in ann.get("/console/runs", headers={"Accept-Language": "nl"}).text
    ann.post("/console/lang", data={"csrf": csrf, "lang": "nl"})
    assert "Goedkeuringen" in ann.get("/console/runs").text
    ann.post("/console/lang", data={"csrf": csrf, "lang": "en"})
    assert "Approvals" in ann.get("/console/runs", headers={"Accept-Language": "nl"}).text
    unknown = ann.post("/console/lang", data={"csrf": csrf, "lang": "xx"})
    assert unknown.status_code == 400 and "not available" in unknown.text


def test_audit_log_for_admins_shows_console_decisions(
    settings: Settings, service: WorkflowService
) -> None:
    run = _waiting_deploy(service, "mia")
    run_id = run.public_id  # what URLs carry
    mia, mia_csrf = _client(settings, "mia")
    mia.post(f"/console/runs/{run_id}/approve", data={"csrf": mia_csrf})  # refused, audited
    assert mia.get("/console/audit").status_code == 403
    assert 'href="/console/audit"' not in mia.get("/console/runs").text
    ann, csrf = _client(settings, "ann")
    ann.post(f"/console/runs/{run_id}/approve", data={"csrf": csrf, "confirm": "yes"})
    html = ann.get("/console/audit?action=approval.").text
    rows = re.findall(r"<tr><td>[^<]+</td><td>([^<]+)</td><td>([^<]+)</td>", html)
    assert ("mia", "approval.approved.refused") in rows and ("ann", "approval.approved") in rows
    assert all(action.startswith("approval.") for _, action in rows)
    assert ann.get("/console/audit?action=<script>").status_code == 422


def test_a_run_page_draws_its_steps_coloured_by_status(
    settings: Settings, service: WorkflowService
) -> None:
    run = _waiting_deploy(service, "mia")
    run_id = run.public_id  # what URLs carry
    ann, _ = _client(settings, "ann")
    graph = ann.get(f"/console/runs/{run_id}").text.split('id="step-graph"')[1].split("</svg>")[0]
    found = re.findall(r'<g class="node node-(\w+)">.*?font-weight="bold">(\w+)<', graph, re.S)
    status = {name: state for state, name in found}
    assert status == {
        "plan": "succeeded",
        "approval": "waiting_approval",
        "deploy": "pending",
        "notify": "pending",
    }
    assert graph.count("<line") == 3  # plan -> approval -> deploy -> notify


def test_notices_page_reloads_while_a_run_is_going(
    settings: Settings, service: WorkflowService
) -> None:
    tenant = make_tenant(settings.database_url, f"webn{uuid.uuid4().hex[:8]}", "self_hosted")
    give_role(settings, tenant, "mia", Role.member)
    give_role(settings, tenant, "ann", Role.admin)
    mia, csrf = _client(settings, "mia", tenant)
    quiet = mia.get("/console/notices")
    assert quiet.status_code == 200 and 'http-equiv="refresh"' not in quiet.text
    mia.post("/console/chat", data={"csrf": csrf, "text": "deploy checkout-api to production"})
    r = mia.post("/console/chat", data={"csrf": csrf, "text": "yes"})
    (link,) = re.findall(r'class="run-link" href="/console/runs/(run_\w+)"', r.text)
    run_id = service.resolve(tenant, link)
    service.wait_settled(tenant, [run_id], timeout=30)  # waiting for an admin
    live = mia.get("/console/notices")
    assert 'http-equiv="refresh" content="5"' in live.text
    assert f'href="/console/runs/{link}"' in live.text
    service.approve(tenant, run_id, "ann")
    service.wait_settled(tenant, [run_id], timeout=30)
    done = mia.get("/console/notices")
    assert 'http-equiv="refresh"' not in done.text and "ann" in done.text
