"""The run-start gate and usage recording: the only API workflows need from billing.

`reserve_run` is called once before a run starts. It refuses (raising `QuotaRefused`, with
a user-safe message that includes the upgrade link) when billing is overdue past its grace
period, the token quota is used up, or no run is left; otherwise it atomically takes one
run from the Redis counter and writes the ledger entry. If the run then fails to start,
`release_run` gives it back. `record_tokens` meters LLM tokens per step (idempotent by ref).
"""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import BaseModel
from sqlalchemy import event
from sqlalchemy.orm import Session

from integrations.billing import counters, ledger, thresholds
from integrations.billing.accounts import get_account, run_block_reason
from integrations.billing.links import upgrade_url
from integrations.billing.period import Period, current_period
from integrations.billing.plans import Metric, get_plan
from integrations.billing.texts import render_text
from integrations.db.models import Tenant
from integrations.db.session import tenant_session
from integrations.observability.logging import get_logger
from integrations.observability.metrics import QUOTA_DECISIONS, USAGE_RECORDED
from integrations.settings import Settings

log = get_logger(__name__)

RefusalReason = Literal["runs_exhausted", "llm_tokens_exhausted", "payment_overdue"]


class Reservation(BaseModel):
    tenant_id: str
    ref: str
    period: str
    used: int
    limit: int | None


class QuotaRefusal(BaseModel):
    tenant_id: str
    plan: str
    reason: RefusalReason
    metric: Metric | None
    used: int
    limit: int | None
    period: str
    upgrade_url: str


class QuotaRefused(Exception):
    """A run may not start; `message` is safe to show the user as is."""

    def __init__(self, refusal: QuotaRefusal, message: str) -> None:
        super().__init__(message)
        self.refusal = refusal
        self.message = message


def _refuse(refusal: QuotaRefusal, lang: str) -> QuotaRefused:
    QUOTA_DECISIONS.labels(refusal.reason).inc()
    log.info("quota_refused", tenant_id=refusal.tenant_id, reason=refusal.reason)
    return QuotaRefused(refusal, render_text(refusal.reason, lang, **refusal.model_dump()))


def reserve_run(
    settings: Settings, tenant_id: str, *, ref: str | None = None, lang: str = "en"
) -> Reservation:
    """Reserve one run in its own transaction (callers without a unit of work of their own)."""
    with tenant_session(settings.database_url, tenant_id) as session:
        return reserve_run_in(settings, session, tenant_id, ref=ref, lang=lang)


def reserve_run_in(
    settings: Settings,
    session: Session,
    tenant_id: str,
    *,
    ref: str | None = None,
    lang: str = "en",
) -> Reservation:
    """Reserve one run inside the caller's transaction (the run start's own).

    The ledger entry commits or rolls back with that transaction; on rollback the Redis
    counter is given back, so a start that fails after the check costs nothing.
    """
    period = current_period()
    tenant = session.get(Tenant, tenant_id)
    plan = get_plan(tenant.plan if tenant else None)
    block = run_block_reason(get_account(session))

    def refusal(
        reason: RefusalReason, metric: Metric | None, used: int, limit: int | None
    ) -> QuotaRefused:
        return _refuse(
            QuotaRefusal(
                tenant_id=tenant_id,
                plan=plan.name,
                reason=reason,
                metric=metric,
                used=used,
                limit=limit,
                period=period.name,
                upgrade_url=upgrade_url(settings, tenant_id),
            ),
            lang,
        )

    if block is not None:
        raise refusal("payment_overdue", None, 0, None)
    token_limit = plan.limit("llm_tokens")
    if token_limit is not None:
        tokens = counters.current(settings, tenant_id, "llm_tokens", period)
        if tokens >= token_limit:
            raise refusal("llm_tokens_exhausted", "llm_tokens", tokens, token_limit)
    run_limit = plan.limit("runs")
    granted, used = counters.reserve(settings, tenant_id, "runs", 1, run_limit, period)
    if not granted:
        raise refusal("runs_exhausted", "runs", used, run_limit)
    ref = ref or f"run-{uuid.uuid4().hex}"

    def give_back(_session: Session, *_args: object) -> None:
        counters.release(settings, tenant_id, "runs", 1, period.name)

    event.listen(session, "after_rollback", give_back, once=True)
    if not ledger.add_entry(session, tenant_id, "runs", 1, period.name, ref):
        raise ValueError(f"run reservation {ref} already recorded")
    event.listen(
        session,
        "after_commit",
        lambda _s: _granted(settings, tenant_id, used, run_limit, period),
        once=True,
    )
    return Reservation(tenant_id=tenant_id, ref=ref, period=period.name, used=used, limit=run_limit)


def _granted(
    settings: Settings, tenant_id: str, used: int, limit: int | None, period: Period
) -> None:
    QUOTA_DECISIONS.labels("granted").inc()
    USAGE_RECORDED.labels("runs").inc()
    thresholds.maybe_alert(settings, tenant_id, "runs", used, limit, period)


def release_run(settings: Settings, reservation: Reservation) -> None:
    """Give back a reserved run that never started (the start failed after the check)."""
    with tenant_session(settings.database_url, reservation.tenant_id) as session:
        removed = ledger.remove_entry(session, "runs", reservation.ref)
    if removed:
        counters.release(settings, reservation.tenant_id, "runs", removed, reservation.period)


def refund_run(settings: Settings, tenant_id: str, ref: str) -> bool:
    """Give back the run of a run that produced no result; False when already given back.

    An entry already sent to Stripe stays (the meter cannot be corrected from here).
    """
    from sqlalchemy import select

    from integrations.db.models import UsageEntry

    with tenant_session(settings.database_url, tenant_id) as session:
        entry = session.scalars(
            select(UsageEntry).where(UsageEntry.metric == "runs", UsageEntry.ref == ref)
        ).one_or_none()
        if entry is None or entry.reported_at is not None:
            return False
        period, quantity = entry.period, entry.quantity
        session.delete(entry)
    counters.release(settings, tenant_id, "runs", quantity, period)
    return True


def record_tokens(settings: Settings, tenant_id: str, tokens: int, ref: str) -> int:
    """Meter LLM tokens used by one step attempt; a repeated `ref` is counted once.

    Tokens are recorded after the fact (a step cannot be stopped half-way), so usage may
    pass the quota; the next run start is then refused. Returns the period's token total.
    """
    period = current_period()
    if tokens <= 0:
        return counters.current(settings, tenant_id, "llm_tokens", period)
    with tenant_session(settings.database_url, tenant_id) as session:
        added = ledger.add_entry(session, tenant_id, "llm_tokens", tokens, period.name, ref)
        tenant = session.get(Tenant, tenant_id)
        limit = get_plan(tenant.plan if tenant else None).limit("llm_tokens")
    if not added:
        return counters.current(settings, tenant_id, "llm_tokens", period)
    USAGE_RECORDED.labels("llm_tokens").inc()
    used = counters.add(settings, tenant_id, "llm_tokens", tokens, period)
    thresholds.maybe_alert(settings, tenant_id, "llm_tokens", used, limit, period)
    return used


def record_step_tokens(settings: Settings, tenant_id: str, tokens: int, ref: str) -> None:
    """`record_tokens` for the step executor: metering must never stall a run.

    The step's result is already committed when this runs; if the ledger or Redis is
    unreachable the tokens are logged as unmetered instead of failing the step hand-off.
    """
    try:
        record_tokens(settings, tenant_id, tokens, ref)
    except Exception:
        log.warning("tokens_not_metered", tenant_id=tenant_id, tokens=tokens, ref=ref)
