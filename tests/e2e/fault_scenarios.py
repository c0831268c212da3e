"""The fault scenarios of issue 13, each returning its counts (see fault_support.py).

Used with short settings by tests/e2e/test_faults.py (each well under a minute) and with
the issue's figures and default leases by benchmarks/faults.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from agents.workflows.errors import InvalidTransition
from agents.workflows.service import WorkflowService
from agents.workflows.states import RUN_TERMINAL
from integrations.db.migrate import upgrade
from integrations.db.models import Role, WorkflowEvent, WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.e2e.fault_support import (
    Beat,
    FakeSlackAPI,
    ServeProcess,
    SlackSender,
    kill_serve,
    production_env,
    slack_counts,
    start_worker,
    wait_answered,
    wait_drained,
    wait_until,
)
from tests.fakes.deploy_hook import DeployHookServer
from tests.own_services import OwnPostgres, OwnRedis
from tests.unit.agents.conftest import place_slow_template


def _send_spread(sender: SlackSender, team: str, events: int, spacing: float) -> None:
    for _ in range(events):
        sender.send(team)
        time.sleep(spacing)  # the offered traffic's pace, not a synchronisation


def slack_redis_outage(
    workdir: Path,
    database_url: str,
    model_dir: Path,
    *,
    events: int = 30,
    spacing: float = 0.25,
    outage_at: float = 1.0,
    outage_seconds: float = 6.0,
    retry_delays: Sequence[float] = (0.5, 2.0, 6.0),
) -> dict[str, Any]:
    """Slack events while the broker/Redis is stopped for `outage_seconds`."""
    with OwnRedis(workdir) as redis, FakeSlackAPI() as fake, ExitStack() as running:
        env = production_env(fake.api_url, database_url, redis.url, model_dir)
        worker = start_worker(env, workdir / "worker.log")
        running.callback(worker.stop)
        serve = running.enter_context(ServeProcess(env, workdir))
        sender = SlackSender(lambda: [serve.base_url], retry_delays)
        ended: list[float] = []
        ended_epoch: list[float] = []

        def outage() -> None:
            time.sleep(outage_at)  # the fault's schedule, not a synchronisation
            redis.stop()
            time.sleep(outage_seconds)  # the outage itself
            ended_epoch.append(time.time())  # messages taken from here on are acked
            redis.start()
            ended.append(time.monotonic())

        fault = threading.Thread(target=outage)
        fault.start()
        _send_spread(sender, f"T{uuid.uuid4().hex[:8].upper()}", events, spacing)
        fault.join()
        sender.close()
        answered_at = wait_answered(fake, sender.deliveries, timeout=150)
        # A duplicate would be out once the work left after the outage is done.
        wait_drained(redis.url, env["BMAD_CELERY_QUEUE"], taken_since=ended_epoch[0])
        counts = slack_counts(fake, sender.deliveries)
        counts["worker_alive"] = worker.proc.poll() is None
        counts["serve_alive"] = serve.proc.poll() is None
        counts["recovery_seconds"] = (
            round(answered_at - ended[0], 1) if answered_at is not None else None
        )
        counts["outage_seconds"] = outage_seconds
        return counts


def slack_replica_kill(
    workdir: Path,
    database_url: str,
    model_dir: Path,
    *,
    events: int = 30,
    spacing: float = 0.1,
    kill_after: int = 10,
    retry_delays: Sequence[float] = (0.5, 1.0, 2.0),
) -> dict[str, Any]:
    """Slack events over two replicas behind a round-robin balancer; one is SIGKILLed."""
    with OwnRedis(workdir) as redis, FakeSlackAPI() as fake, ExitStack() as running:
        env = production_env(fake.api_url, database_url, redis.url, model_dir)
        worker = start_worker(env, workdir / "worker.log")
        running.callback(worker.stop)
        replicas = [running.enter_context(ServeProcess(env, workdir)) for _ in range(2)]
        sender = SlackSender(lambda: [r.base_url for r in replicas], retry_delays)
        team = f"T{uuid.uuid4().hex[:8].upper()}"
        _send_spread(sender, team, kill_after, spacing)
        killed_at = time.monotonic()
        kill_serve(replicas[0])  # mid-traffic: requests in flight on it get no answer
        _send_spread(sender, team, events - kill_after, spacing)
        sender.close()
        answered_at = wait_answered(fake, sender.deliveries, timeout=60)
        wait_drained(redis.url, env["BMAD_CELERY_QUEUE"])  # a duplicate would be out now
        counts = slack_counts(fake, sender.deliveries)
        counts["refused_connections"] = sum(d.attempts.count(0) for d in sender.deliveries)
        counts["recovery_seconds"] = (
            round(answered_at - killed_at, 1) if answered_at is not None else None
        )
        return counts


def _workflow_setup(settings: Settings, hook_url: str, timeout: int) -> tuple[WorkflowService, str]:
    """A tenant whose `test_slow` runs hold a worker as long as the deploy hook at
    `hook_url` (a slow `DeployHookServer`) takes to answer."""
    tenant = f"t{uuid.uuid4().hex[:12]}"
    make_tenant(settings.database_url, tenant, plan="enterprise")  # no run quota
    with tenant_session(settings.database_url, tenant) as session:
        set_role(session, tenant, "dev", Role.owner)
    place_slow_template(settings, tenant, hook_url, timeout=timeout)
    return WorkflowService(settings), tenant


def _start_runs(service: WorkflowService, tenant: str, runs: int) -> list[int]:
    def start(i: int) -> int:
        return service.start(
            tenant_id=tenant,
            workflow="test_slow",
            inputs={"feature": f"feature {i}"},
            conversation_key=f"{tenant}:api:fault{i}",
            user_id="dev",
        ).id

    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(start, range(runs)))


def _cancel_unfinished(service: WorkflowService, tenant: str, run_ids: list[int]) -> None:
    """The backlog's runs share the session's database: left queued, a later test's sweeper
    would re-queue hundreds of them onto that test's worker."""
    for run_id in run_ids:
        if service.get(tenant, run_id).status not in RUN_TERMINAL:
            with contextlib.suppress(InvalidTransition):  # finished meanwhile
                service.cancel(tenant, run_id, "dev")


def _run_counts(settings: Settings, tenant: str, run_ids: list[int]) -> dict[str, Any]:
    with tenant_session(settings.database_url, tenant) as session:
        statuses = [session.get(WorkflowRun, r).status for r in run_ids]  # type: ignore[union-attr]
        succeeded_events = session.execute(
            select(WorkflowEvent.step, func.count())
            .where(WorkflowEvent.run_id.in_(run_ids), WorkflowEvent.type == "step.succeeded")
            .group_by(WorkflowEvent.run_id, WorkflowEvent.step)
        ).all()
        steps = session.scalar(
            select(func.count()).select_from(WorkflowStep).where(WorkflowStep.run_id.in_(run_ids))
        )
    return {
        "runs": len(run_ids),
        "runs_succeeded": statuses.count("succeeded"),
        "steps": steps,
        "steps_succeeded": len(succeeded_events),
        "steps_succeeded_twice": sum(1 for _, n in succeeded_events if n > 1),
    }


def _events(settings: Settings, tenant: str, run_ids: list[int], kind: str) -> int:
    with tenant_session(settings.database_url, tenant) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(WorkflowEvent)
                .where(WorkflowEvent.run_id.in_(run_ids), WorkflowEvent.type == kind)
            )
            or 0
        )


def _settings(database_url: str, redis_url: str, env: dict[str, str], data: Path) -> Settings:
    return Settings(
        database_url=database_url,
        redis_url=redis_url,
        queue="celery",
        celery_queue=env["BMAD_CELERY_QUEUE"],
        data_dir=str(data),
        webhook_allow_private=True,
        _env_file=None,
    )


def worker_kill_mid_step(
    workdir: Path,
    database_url: str,
    model_dir: Path,
    *,
    runs: int = 4,
    sleep_seconds: float = 4.0,
    lease: dict[str, str] | None = None,
    only_pool: bool = False,
) -> dict[str, Any]:
    """Runs on one worker (beat running); the worker is SIGKILLed while its steps run; a
    replacement worker starts at once. Recovery: kill -> every run past the killed step.

    `only_pool`: SIGKILL only the pool processes running the steps (OOM killer style);
    Celery's main process sees WorkerLostError and requeues the messages, which take the
    steps over once their leases ran out (no sweeper involved, no replacement needed)."""
    data = workdir / "data"
    with (
        OwnRedis(workdir) as redis,
        FakeSlackAPI() as fake,
        DeployHookServer(delay=sleep_seconds) as hook,
    ):
        env = production_env(
            fake.api_url,
            database_url,
            redis.url,
            model_dir,
            BMAD_DATA_DIR=str(data),
            **(lease or {}),
        )
        settings = _settings(database_url, redis.url, env, data)
        service, tenant = _workflow_setup(settings, hook.url, timeout=60)
        worker = start_worker(env, workdir / "worker1.log", concurrency=runs)
        beat: Beat | None = None
        replacement = None
        try:
            beat = Beat(env, workdir / "beat.log", workdir)
            run_ids = _start_runs(service, tenant, runs)

            # Every run's deploy call is in flight: the steps are mid-way.
            wait_until(lambda: len(hook.received) >= runs, 60, "every run's step to start")
            if only_pool:
                killed_at = time.monotonic()
                for child in _children(worker.proc.pid):
                    os.kill(child, signal.SIGKILL)
            else:
                worker.kill()
                killed_at = time.monotonic()
                replacement = start_worker(env, workdir / "worker2.log", concurrency=runs)

            def past_slow() -> bool:
                with tenant_session(settings.database_url, tenant) as session:
                    slow = session.scalars(
                        select(WorkflowStep.status).where(
                            WorkflowStep.run_id.in_(run_ids), WorkflowStep.name == "slow"
                        )
                    ).all()
                return all(s == "succeeded" for s in slow)

            recovered_at = wait_until(past_slow, 120, "the killed steps to succeed")
            service.wait_settled(tenant, run_ids, timeout=60)
            counts = _run_counts(settings, tenant, run_ids)
            counts["recovery_seconds"] = round(recovered_at - killed_at, 1)
            counts["taken_over"] = _events(settings, tenant, run_ids, "step.taken_over")
            counts["requeued_by_sweeper"] = _events(settings, tenant, run_ids, "step.worker_lost")
            return counts
        finally:
            if beat is not None:
                beat.stop()
            if replacement is not None:
                replacement.stop()
            if worker.proc.poll() is None:
                worker.stop()


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True)
    return [int(p) for p in found.stdout.split()]


def postgres_outage(
    workdir: Path,
    model_dir: Path,
    *,
    runs: int = 6,
    sleep_seconds: float = 1.0,
    outage_seconds: float = 5.0,
) -> dict[str, Any]:
    """Runs on a worker (beat running) while PostgreSQL is stopped for `outage_seconds`."""
    data = workdir / "data"
    with (
        OwnRedis(workdir) as redis,
        OwnPostgres() as pg,
        FakeSlackAPI() as fake,
        DeployHookServer(delay=sleep_seconds) as hook,
    ):
        upgrade(pg.url)
        env = production_env(fake.api_url, pg.url, redis.url, model_dir, BMAD_DATA_DIR=str(data))
        settings = _settings(pg.url, redis.url, env, data)
        service, tenant = _workflow_setup(settings, hook.url, timeout=60)
        worker = start_worker(env, workdir / "worker.log", concurrency=2)
        beat: Beat | None = None
        try:
            beat = Beat(env, workdir / "beat.log", workdir)
            run_ids = _start_runs(service, tenant, runs)
            pg.stop()
            time.sleep(outage_seconds)  # the outage itself
            pg.start()
            restarted = time.monotonic()
            service.wait_settled(tenant, run_ids, timeout=120)
            counts = _run_counts(settings, tenant, run_ids)
            counts["recovery_seconds"] = round(time.monotonic() - restarted, 1)
            counts["worker_alive"] = worker.proc.poll() is None
            counts["beat_alive"] = beat.proc.poll() is None
            return counts
        finally:
            if beat is not None:
                beat.stop()
            worker.stop()


def turn_behind_step_backlog(
    workdir: Path,
    database_url: str,
    model_dir: Path,
    *,
    queued_steps: int = 300,
    sleep_seconds: float = 1.0,
) -> dict[str, Any]:
    """`queued_steps` slow steps waiting on one worker (concurrency 2), then a Slack
    mention: the reply comes from the turn queue, not from behind the backlog."""
    data = workdir / "data"
    with (
        OwnRedis(workdir) as redis,
        FakeSlackAPI() as fake,
        DeployHookServer(delay=sleep_seconds) as hook,
        ExitStack() as running,
    ):
        env = production_env(
            fake.api_url, database_url, redis.url, model_dir, BMAD_DATA_DIR=str(data)
        )
        settings = _settings(database_url, redis.url, env, data)
        service, tenant = _workflow_setup(settings, hook.url, timeout=60)
        run_ids = _start_runs(service, tenant, queued_steps)  # before workers
        running.callback(_cancel_unfinished, service, tenant, run_ids)  # last, after the stops
        worker = start_worker(env, workdir / "worker.log", concurrency=2)
        running.callback(worker.stop)
        serve = running.enter_context(ServeProcess(env, workdir))
        sender = SlackSender(lambda: [serve.base_url], retry_delays=(1.0, 2.0, 4.0))
        sent_at = time.monotonic()
        delivery = sender.send(f"T{uuid.uuid4().hex[:8].upper()}")
        sender.close()
        answered_at = wait_answered(fake, [delivery], timeout=120)
        with tenant_session(settings.database_url, tenant) as session:
            still_queued = session.scalar(
                select(func.count())
                .select_from(WorkflowStep)
                .where(WorkflowStep.run_id.in_(run_ids), WorkflowStep.status == "queued")
            )
        return {
            "queued_steps": queued_steps,
            "steps_still_queued_at_reply": still_queued,
            "acked": delivery.acked_at is not None,
            "reply_seconds": round(answered_at - sent_at, 2) if answered_at else None,
        }
