"""The workflow engine end to end on the embedded defaults (SQLite, in-process Redis,
steps in the background thread pool)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from agents.notify import read_notices
from agents.workflows.errors import InvalidTransition, NotAllowed, WorkflowError
from agents.workflows.executor import execute_step
from agents.workflows.notices import flush_notices
from agents.workflows.service import WorkflowService
from agents.workflows.sweeper import sweep
from integrations.db.models import AuditEntry, OutboxEvent, WorkflowEvent, WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.fakes.deploy_hook import DeployHookServer, set_deploy_hook
from tests.polling import wait_until
from tests.unit.agents.conftest import place_slow_template, place_template

CK = "console:test"


@pytest.fixture
def allow_private(embedded_settings: Settings) -> Settings:
    """For the tests whose deploy hook (a local fake) listens on 127.0.0.1."""
    return embedded_settings.model_copy(update={"webhook_allow_private": True})


@pytest.fixture
def slow_hook() -> Iterator[DeployHookServer]:
    with DeployHookServer() as hook:
        yield hook


def _start(svc: WorkflowService, tenant: str, workflow: str, **inputs: str):  # type: ignore[no-untyped-def]
    return svc.start(
        tenant_id=tenant,
        workflow=workflow,
        inputs=inputs,
        conversation_key=f"{tenant}:{CK}",
        user_id="bob-member",
    )


def _events(settings: Settings, tenant: str, run_id: int) -> list[WorkflowEvent]:
    with tenant_session(settings.database_url, tenant) as session:
        return list(
            session.scalars(
                select(WorkflowEvent)
                .where(WorkflowEvent.run_id == run_id)
                .order_by(WorkflowEvent.id)
            )
        )


def _notices(settings: Settings, tenant: str):  # type: ignore[no-untyped-def]
    return [n for _, n in read_notices(settings, tenant, f"{tenant}:{CK}")]


def test_feature_delivery_runs_in_order_waits_for_approval_then_succeeds(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    run = _start(service, tenant, "feature_delivery", feature="bulk user import from CSV")
    assert run.status in ("running", "waiting_approval")
    service.wait_settled(tenant, [run.id], timeout=30)
    run = service.get(tenant, run.id)
    assert run.status == "waiting_approval" and run.waiting_approval == "approval"
    assert run.approval_role == "admin"
    status = {s.name: s.status for s in run.steps}
    assert status == {
        "story": "succeeded",
        "design": "succeeded",
        "test_plan": "succeeded",
        "review": "succeeded",
        "approval": "waiting_approval",
        "summary": "pending",
    }

    run = service.approve(tenant, run.id, "alice-admin")
    service.wait_settled(tenant, [run.id], timeout=30)
    run = service.get(tenant, run.id)
    assert run.status == "succeeded"
    assert all(s.status == "succeeded" for s in run.steps)

    # dependencies honoured: design and test_plan started only after story succeeded,
    # review only after both
    events = _events(embedded_settings, tenant, run.id)
    order = [(e.type, e.step) for e in events]
    assert order.index(("step.succeeded", "story")) < order.index(("step.started", "design"))
    assert order.index(("step.succeeded", "story")) < order.index(("step.started", "test_plan"))
    assert order.index(("step.succeeded", "design")) < order.index(("step.started", "review"))
    assert order.index(("step.succeeded", "test_plan")) < order.index(("step.started", "review"))
    decided = next(e for e in events if e.type == "approval.decided")
    assert decided.actor == "alice-admin" and decided.details["approved"] is True

    # the agents received what they depend on, derived from the input
    outputs = {s.name: s.output or "" for s in run.steps}
    assert "bulk user import from CSV" in outputs["story"]
    assert "story (product_owner)" in outputs["design"]
    assert (
        "design (architect)" in outputs["review"]
        and "test_plan (test_engineer)" in outputs["review"]
    )
    assert "Approved by alice-admin" in outputs["summary"]

    # each result posted once, in the conversation, then the approval request, then the end
    notices = _notices(embedded_settings, tenant)
    results = [n.step for n in notices if n.kind == "step_result"]
    assert sorted(results) == sorted(["story", "design", "test_plan", "review", "summary"])
    assert [n.kind for n in notices].count("approval_request") == 1
    assert notices[-1].kind == "run_finished"

    with tenant_session(embedded_settings.database_url, tenant) as session:
        types = [e.event_type for e in session.scalars(select(OutboxEvent))]
        audits = [a.action for a in session.scalars(select(AuditEntry))]
    assert types.count("run.started") == 1 and types.count("run.succeeded") == 1
    assert "run.waiting_approval" in types and "run.approved" in types
    assert "approval.approved" in audits


def test_parallel_steps_overlap_in_time(allow_private: Settings, tenant: str) -> None:
    service = WorkflowService(allow_private)
    place_template(
        allow_private,
        tenant,
        "test_parallel",
        """
name: test_parallel
steps:
  - {name: a, kind: deploy}
  - {name: b, kind: deploy}
  - {name: c, kind: notify, message: run_summary, needs: [a, b]}
""",
    )
    with DeployHookServer(delay=0.8) as hook:  # each deploy holds its worker 0.8 s
        set_deploy_hook(allow_private, tenant, hook.url)
        run = _start(service, tenant, "test_parallel", service="search", environment="staging")
        service.wait_settled(tenant, [run.id], timeout=30)
    assert service.get(tenant, run.id).status == "succeeded"
    assert len(hook.received) == 2
    events = _events(allow_private, tenant, run.id)
    started = {e.step: e.created_at for e in events if e.type == "step.started"}
    finished = {e.step: e.created_at for e in events if e.type == "step.succeeded"}
    # b started before a finished and vice versa: they ran at the same time
    assert started["b"] < finished["a"] and started["a"] < finished["b"]
    assert started["c"] >= max(finished["a"], finished["b"])


def test_approval_by_an_unauthorised_user_is_refused_and_audited(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    run = _start(service, tenant, "release", version="2.4.0", changes="faster search, dark mode")
    service.wait_settled(tenant, [run.id], timeout=30)
    for user in ("bob-member", "stranger"):
        with pytest.raises(NotAllowed) as err:
            service.approve(tenant, run.id, user)
        assert err.value.required_role == "admin" and "admin" in err.value.message
    assert service.get(tenant, run.id).status == "waiting_approval"
    with tenant_session(embedded_settings.database_url, tenant) as session:
        refused = [
            a.actor for a in session.scalars(select(AuditEntry)) if a.action.endswith("refused")
        ]
    assert sorted(refused) == ["bob-member", "stranger"]

    run = service.approve(tenant, run.id, "olga-owner")  # owner is above admin
    service.wait_settled(tenant, [run.id], timeout=30)
    run = service.get(tenant, run.id)
    assert run.status == "succeeded"
    assert "2.4.0" in next(s.output for s in run.steps if s.name == "notify")


def test_reject_cancels_the_run_and_skips_the_rest(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    run = _start(service, tenant, "production_deploy", service="checkout", environment="production")
    service.wait_settled(tenant, [run.id], timeout=30)
    run = service.reject(tenant, run.id, "alice-admin")
    assert run.status == "cancelled"
    assert {s.name: s.status for s in run.steps} == {
        "plan": "succeeded",
        "approval": "rejected",
        "deploy": "cancelled",
        "notify": "cancelled",
    }
    with pytest.raises(InvalidTransition):
        service.approve(tenant, run.id, "alice-admin")


def test_cancel_while_a_step_runs_discards_its_result(
    allow_private: Settings, tenant: str, slow_hook: DeployHookServer
) -> None:
    embedded_settings, service = allow_private, WorkflowService(allow_private)
    slow_hook.delay = 1.5
    place_slow_template(embedded_settings, tenant, slow_hook.url, timeout=30)
    run = _start(service, tenant, "test_slow", feature="slow thing")
    wait_until(
        lambda: service.get(tenant, run.id).steps[0].status == "running", 10, "the step to run"
    )
    run = service.cancel(tenant, run.id, "bob-member")  # the starter may cancel
    assert run.status == "cancelled"
    # The slow step finishes meanwhile; the engine drops its result and says so.
    wait_until(
        lambda: (
            "step.result_discarded" in [e.type for e in _events(embedded_settings, tenant, run.id)]
        ),
        20,
        "the slow step's result to be discarded",
    )
    run = service.get(tenant, run.id)
    assert run.status == "cancelled"
    assert [s.status for s in run.steps] == ["cancelled", "cancelled"]
    assert run.steps[0].output is None
    kinds = [n.kind for n in _notices(embedded_settings, tenant)]
    assert "step_result" not in kinds and kinds.count("run_finished") == 1
    types = [e.type for e in _events(embedded_settings, tenant, run.id)]
    assert "step.result_discarded" in types
    with pytest.raises(InvalidTransition):
        service.cancel(tenant, run.id, "bob-member")


def test_cancel_by_another_member_needs_admin(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    run = service.start(
        tenant_id=tenant,
        workflow="release",
        inputs={"version": "1"},
        conversation_key=f"{tenant}:{CK}",
        user_id="olga-owner",
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    with pytest.raises(NotAllowed) as err:
        service.cancel(tenant, run.id, "bob-member")
    assert err.value.required_role == "admin"
    assert service.cancel(tenant, run.id, "alice-admin").status == "cancelled"


def test_stale_or_duplicate_step_messages_do_nothing(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    run = _start(
        service,
        tenant,
        "single_task",
        agent="product_owner",
        task="write_user_story",
        feature="dark mode",
    )
    service.wait_settled(tenant, [run.id], timeout=30)
    with tenant_session(embedded_settings.database_url, tenant) as session:
        step = session.scalars(select(WorkflowStep).where(WorkflowStep.run_id == run.id)).one()
    # a redelivered message for the finished attempt, and one for an attempt never queued
    assert execute_step(embedded_settings, tenant, step.id, 1) == "skipped"
    assert execute_step(embedded_settings, tenant, step.id, 2) == "skipped"
    # a flush and a sweep later, still one result notice
    flush_notices(embedded_settings, tenant, run.id)
    sweep(embedded_settings)
    notices = _notices(embedded_settings, tenant)
    assert [n.kind for n in notices] == ["step_result"]  # single_task: no extra finish notice
    assert service.get(tenant, run.id).status == "succeeded"


def test_start_refuses_unknown_workflow_missing_inputs_and_unknown_tasks(
    service: WorkflowService, tenant: str
) -> None:
    cases = [
        ("nope", {}, "unknown_workflow"),
        ("feature_delivery", {}, "missing_input"),
        ("single_task", {"agent": "devops", "task": "write_poem"}, "unknown_task"),
    ]
    for workflow, inputs, code in cases:
        with pytest.raises(WorkflowError) as err:
            _start(service, tenant, workflow, **inputs)
        assert err.value.code == code
    assert service.list_runs(tenant) == []


def test_list_runs_filters_by_conversation_and_status(
    service: WorkflowService, tenant: str
) -> None:
    a = _start(service, tenant, "release", version="1.0")
    b = service.start(
        tenant_id=tenant,
        workflow="single_task",
        inputs={"agent": "documentation", "task": "write_docs", "topic": "api"},
        conversation_key=f"{tenant}:dm:someone",
        user_id="u",
    )
    service.wait_settled(tenant, [a.id, b.id], timeout=30)
    assert [r.id for r in service.list_runs(tenant)] == [b.id, a.id]
    assert [r.id for r in service.list_runs(tenant, conversation_key=f"{tenant}:{CK}")] == [a.id]
    assert [r.id for r in service.list_runs(tenant, status="succeeded")] == [b.id]


def test_a_hand_made_run_row_does_not_break_the_sweep(
    embedded_settings: Settings, service: WorkflowService, tenant: str
) -> None:
    from integrations.db.models import WorkflowRun

    with tenant_session(embedded_settings.database_url, tenant) as session:
        session.add(
            WorkflowRun(
                tenant_id=tenant,
                workflow="imported",
                status="succeeded",
                conversation_key=f"{tenant}:{CK}",
                user_id="u",
                inputs={},
            )
        )
    run = _start(service, tenant, "release", version="3.0")
    service.wait_settled(tenant, [run.id], timeout=30)
    with tenant_session(embedded_settings.database_url, tenant) as session:
        step = session.scalars(
            select(WorkflowStep).where(
                WorkflowStep.run_id == run.id, WorkflowStep.name == "approval"
            )
        ).one()
        step.notified_at = None  # as if the process died before marking the request sent
    assert sweep(embedded_settings)["flushed"] >= 1
    kinds = [n.kind for n in _notices(embedded_settings, tenant)]
    assert kinds.count("approval_request") == 1  # re-flushed, deduped, not posted twice
