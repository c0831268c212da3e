"""The tenant's billing account: Stripe customer, subscription state, grace period.

`run_block_reason` is the one place that decides whether billing state (not quota)
stops new runs: a past-due subscription gets `billing_grace_days` to pay, after which
the tenant can still read (usage, status, history) but cannot start runs.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.models import BillingAccount

OVERDUE_STATES = ("past_due", "unpaid")


def get_account(session: Session) -> BillingAccount | None:
    """The account of the session's tenant (the tenant scope hook filters)."""
    return session.scalars(select(BillingAccount)).one_or_none()


def ensure_account(session: Session, tenant_id: str) -> BillingAccount:
    account = get_account(session)
    if account is None:
        account = BillingAccount(tenant_id=tenant_id, subscription_status="none")
        session.add(account)
        session.flush()
    return account


def find_by_customer(session: Session, customer_id: str) -> BillingAccount | None:
    """Lookup across tenants (Stripe webhooks name the customer, not the tenant)."""
    return session.scalars(
        select(BillingAccount).where(BillingAccount.stripe_customer_id == customer_id)
    ).one_or_none()


def _aware(moment: datetime | None) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)  # SQLite returns naive datetimes
    return moment


def run_block_reason(account: BillingAccount | None, now: datetime | None = None) -> str | None:
    """'payment_overdue' once a past-due account's grace period has ended, else None."""
    if account is None or account.subscription_status not in OVERDUE_STATES:
        return None
    grace_until = _aware(account.grace_until)
    now = now or datetime.now(UTC)
    if grace_until is not None and now < grace_until:
        return None
    return "payment_overdue"


def in_grace(account: BillingAccount | None, now: datetime | None = None) -> bool:
    if account is None or account.subscription_status not in OVERDUE_STATES:
        return False
    grace_until = _aware(account.grace_until)
    return grace_until is not None and (now or datetime.now(UTC)) < grace_until
