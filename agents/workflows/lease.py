"""Step leases kept alive by heartbeats, so a dead worker's step is taken over in seconds.

Why: a claimed step used to hold a lease of its whole timeout (+ grace), so a SIGKILLed
worker's step waited 5-10 minutes. Now the lease is short (BMAD_STEP_LEASE_SECONDS, 30 s)
and a thread of the worker renews it every BMAD_STEP_HEARTBEAT_SECONDS (10 s) while the
step runs; renewal stops at the step's timeout (+ grace), so a hung step still times out.
A worker that dies stops renewing: a redelivered message takes the step over once the
lease has run out (`engine.claim_step`), and the sweeper re-queues it otherwise.
"""

from __future__ import annotations

import threading
from datetime import datetime
from types import TracebackType

from sqlalchemy import update

from agents.workflows.engine import aware, lease_end, now
from agents.workflows.spec import StepSpec
from integrations.db.models import WorkflowStep
from integrations.db.session import rowcount, tenant_session
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


def renew_lease(
    settings: Settings,
    tenant_id: str,
    step_id: int,
    attempt: int,
    started_at: datetime,
    spec: StepSpec,
) -> bool:
    """Extend the lease of this running attempt; False when the step is no longer ours."""
    at = now()
    until = lease_end(started_at, spec, settings.step_lease_seconds, at)
    with tenant_session(settings.database_url, tenant_id) as session:
        result = session.execute(
            update(WorkflowStep)
            .where(
                WorkflowStep.id == step_id,
                WorkflowStep.tenant_id == tenant_id,
                WorkflowStep.status == "running",
                WorkflowStep.attempt == attempt,
            )
            .values(lease_until=until)
            .execution_options(synchronize_session=False)
        )
        return bool(rowcount(result))


class Heartbeat:
    """`with Heartbeat(...):` around a step's work renews its lease in a daemon thread."""

    def __init__(
        self,
        settings: Settings,
        tenant_id: str,
        step_id: int,
        attempt: int,
        started_at: datetime,
        spec: StepSpec,
    ) -> None:
        self.args = (settings, tenant_id, step_id, attempt, started_at, spec)
        self.every = settings.step_heartbeat_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="bmad-step-heartbeat", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            try:
                if not renew_lease(*self.args):
                    log.warning("step_lease_lost", step_id=self.args[2], attempt=self.args[3])
                    return  # taken over or finished elsewhere: our result will be discarded
            except Exception as err:  # database unreachable: keep trying until the lease ends
                log.warning("step_heartbeat_failed", error=type(err).__name__)


def busy_for(settings: Settings, tenant_id: str, step_id: int, attempt: int) -> float | None:
    """Seconds until the lease of this running attempt expires (None: not running it).

    A redelivered message (the worker that had it died) waits this long, then claims the
    step; if the first worker is alive after all, it will have renewed and we wait again.
    """
    with tenant_session(settings.database_url, tenant_id) as session:
        step = session.get(WorkflowStep, step_id)
        if step is None or step.status != "running" or step.attempt != attempt:
            return None
        lease = aware(step.lease_until)
    if lease is None:
        return None
    return max(0.0, (lease - now()).total_seconds())
