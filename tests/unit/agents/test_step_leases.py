"""Step leases (issue 13): short, renewed by a heartbeat while the step runs, taken over
by a redelivered message as soon as they run out - a dead worker costs seconds, not the
step's whole timeout. Steps are claimed here exactly as a worker claims them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from agents.workflows.engine import aware, claim_step, create_run, now
from agents.workflows.lease import Heartbeat, busy_for
from agents.workflows.loader import load_template
from agents.workflows.service import WorkflowService
from agents.workflows.sweeper import sweep
from integrations.db.models import WorkflowEvent, WorkflowStep
from integrations.db.session import tenant_session
from integrations.settings import Settings
from tests.polling import wait_until
from tests.unit.agents.conftest import SLOW_TEMPLATE, place_template


def _queued_step(settings: Settings, tenant: str, timeout: int = 300) -> tuple[int, int]:
    """A run whose first step is queued, attempt 1; its message is never sent (we are the
    worker). Returns (run id, step id)."""
    place_template(settings, tenant, "test_slow", SLOW_TEMPLATE.format(timeout=timeout))
    template = load_template(settings, tenant, "test_slow")
    with tenant_session(settings.database_url, tenant) as session:
        run, plan = create_run(
            session,
            tenant,
            template,
            inputs={"feature": "x"},
            conversation_key=f"{tenant}:api:lease",
            user_id="dev",
            lang="en",
            resolved={},
        )
        assert [d.attempt for d in plan] == [1]
        return run.id, plan[0].step_id


def _step(settings: Settings, tenant: str, step_id: int) -> WorkflowStep:
    with tenant_session(settings.database_url, tenant) as session:
        step = session.get(WorkflowStep, step_id)
        assert step is not None
        session.expunge(step)
        return step


def _claim(settings: Settings, tenant: str, step_id: int, lease: float) -> bool:
    with tenant_session(settings.database_url, tenant) as session:
        return claim_step(session, tenant, step_id, 1, lease) is not None


def test_a_redelivered_message_takes_over_a_step_whose_lease_ran_out(
    embedded_settings: Settings, tenant: str
) -> None:
    run_id, step_id = _queued_step(embedded_settings, tenant)
    assert _claim(embedded_settings, tenant, step_id, lease=0.5)  # the worker that will die
    lease = aware(_step(embedded_settings, tenant, step_id).lease_until)
    assert lease is not None and lease <= now() + timedelta(seconds=0.5)  # not timeout-long

    # Redelivered at once (WorkerLostError): the lease is alive, so not yet.
    assert not _claim(embedded_settings, tenant, step_id, lease=30)
    wait = busy_for(embedded_settings, tenant, step_id, 1)
    assert wait is not None and 0 < wait <= 0.5

    wait_until(
        lambda: _claim(embedded_settings, tenant, step_id, lease=30),
        10,
        "the expired lease was never taken over",
    )
    step = _step(embedded_settings, tenant, step_id)
    assert step.status == "running" and step.attempt == 1
    with tenant_session(embedded_settings.database_url, tenant) as session:
        types = list(
            session.scalars(select(WorkflowEvent.type).where(WorkflowEvent.run_id == run_id))
        )
    assert types.count("step.taken_over") == 1 and types.count("step.started") == 2


def test_the_heartbeat_keeps_a_long_step_leased(embedded_settings: Settings, tenant: str) -> None:
    settings = embedded_settings.model_copy(
        update={"step_heartbeat_seconds": 0.1, "step_lease_seconds": 0.6}
    )
    _run_id, step_id = _queued_step(settings, tenant)
    assert _claim(settings, tenant, step_id, lease=settings.step_lease_seconds)
    step = _step(settings, tenant, step_id)
    first = aware(step.lease_until)
    assert first is not None and step.started_at is not None
    spec = load_template(settings, tenant, "test_slow").step("slow")
    with Heartbeat(settings, tenant, step_id, 1, step.started_at, spec):
        # Well past the first lease: still leased, the sweeper leaves it alone.
        wait_until(lambda: now() >= first + timedelta(seconds=1), 10, "a second past the lease")
        assert sweep(settings)["requeued"] == 0
        renewed = aware(_step(settings, tenant, step_id).lease_until)
        assert renewed is not None and renewed > first
    assert busy_for(settings, tenant, step_id, 1) is not None


def test_a_lease_never_outlives_the_step_timeout(embedded_settings: Settings, tenant: str) -> None:
    """A hung step stops being renewed at timeout + grace, so its retry policy applies."""
    settings = embedded_settings.model_copy(
        # no embedded beat: this test's own sweep() must be the one that re-queues
        update={
            "step_heartbeat_seconds": 0.05,
            "step_lease_seconds": 30,
            "embedded_beat_seconds": 0,
        }
    )
    service = WorkflowService(settings)  # this process's embedded runtime runs the retry
    run_id, step_id = _queued_step(settings, tenant, timeout=1)
    assert _claim(settings, tenant, step_id, lease=settings.step_lease_seconds)
    step = _step(settings, tenant, step_id)
    started = aware(step.started_at)
    assert started is not None
    hard_end = started + timedelta(seconds=2)  # timeout 1 s + grace min(30, 1) s
    assert aware(step.lease_until) == hard_end
    spec = load_template(settings, tenant, "test_slow").step("slow")
    with Heartbeat(settings, tenant, step_id, 1, started, spec):
        wait_until(
            lambda: sweep(settings)["requeued"] != 0,
            10,
            "the hung step was never re-queued",
            interval=0.1,
        )
    # Re-queued as attempt 2 by its retry policy. With the eager queue and the template's
    # backoff of 0 that attempt starts at once in this process, so its status may already be
    # past `queued`: read the event log, then let the retry finish (nothing runs on later).
    with tenant_session(settings.database_url, tenant) as session:
        queued = list(
            session.scalars(
                select(WorkflowEvent.details).where(
                    WorkflowEvent.run_id == run_id, WorkflowEvent.type == "step.queued"
                )
            )
        )
    assert [d["attempt"] for d in queued].count(2) == 1, queued
    service.wait_settled(tenant, [run_id], timeout=30)
    step = _step(settings, tenant, step_id)
    assert step.status == "succeeded" and step.attempt == 2
