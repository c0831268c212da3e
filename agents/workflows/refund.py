"""A run that ended without any result gives its run back to the plan's quota.

Why: the quota sells results. When every attempt failed because of us or a provider (a
worker error, an unreachable deploy hook) the user got nothing, so the run is not charged.
A labelled offline fallback IS a result (the step succeeded) and stays charged.
"""

from __future__ import annotations

from integrations.billing.quota import refund_run
from integrations.db.models import WorkflowRun, WorkflowStep
from integrations.db.session import tenant_session
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)
QUOTA_REF_INPUT = "_quota_ref"  # run input holding the run's ledger reference


def refund_if_no_result(settings: Settings, tenant_id: str, run_id: int) -> bool:
    """True when the run had failed with no succeeded step output and was refunded."""
    from sqlalchemy import select

    with tenant_session(settings.database_url, tenant_id) as session:
        run = session.get(WorkflowRun, run_id)
        if run is None or run.status != "failed":
            return False
        ref = (run.inputs or {}).get(QUOTA_REF_INPUT)
        produced = session.scalars(
            select(WorkflowStep.id).where(
                WorkflowStep.run_id == run_id,
                WorkflowStep.status == "succeeded",
                WorkflowStep.kind.in_(("agent", "deploy")),
            )
        ).first()
    if not ref or produced is not None:
        return False
    if refund_run(settings, tenant_id, str(ref)):
        log.info("run_refunded", run_id=run_id)
        return True
    return False
