"""Billing, usage and email-delivery tables.

- `BillingAccount`: one per tenant - its Stripe customer, subscription state and grace period.
- `UsageEntry`: the usage ledger (the record; Redis only holds fast counters seeded from it).
  `ref` makes each entry idempotent (a run id, a step attempt id) and doubles as the Stripe
  meter event identifier, so a retried report is never counted twice.
- `QuotaAlert`: one row per (metric, period, threshold) - the unique key is what makes
  "tell the admins once per threshold per period" hold across processes.
- `StripeEvent`: Stripe event ids already processed (Stripe retries deliveries).
- `EmailSuppression`: addresses SendGrid reported as bounced/dropped/spam. Global, not per
  tenant: a dead or complaining mailbox is dead for every tenant.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from integrations.db.base import Base, TenantScoped, Timestamped, utcnow


class BillingAccount(TenantScoped, Timestamped, Base):
    __tablename__ = "billing_accounts"
    __table_args__ = (UniqueConstraint("tenant_id", name="uq_billing_accounts_tenant"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(String(64))
    # none | active | trialing | past_due | unpaid | canceled | incomplete
    subscription_status: Mapped[str] = mapped_column(String(24), default="none")
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the paid subscription first became active: earlier (free-plan) usage is never
    # reported to Stripe's meters.
    subscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    past_due_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    grace_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retention_days: Mapped[int | None] = mapped_column(Integer)
    # `created` of the newest subscription event applied: older ones arrive late, skip them.
    subscription_event_created: Mapped[int | None] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class UsageEntry(TenantScoped, Timestamped, Base):
    __tablename__ = "usage_ledger"
    __table_args__ = (UniqueConstraint("tenant_id", "metric", "ref", name="uq_usage_ledger_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(24))  # runs | llm_tokens
    period: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM (UTC)
    quantity: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(128))
    reported_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class QuotaAlert(TenantScoped, Timestamped, Base):
    __tablename__ = "quota_alerts"
    __table_args__ = (
        UniqueConstraint("tenant_id", "metric", "period", "threshold", name="uq_quota_alerts_once"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(24))
    period: Mapped[str] = mapped_column(String(7))
    threshold: Mapped[int] = mapped_column(Integer)


class StripeEvent(Timestamped, Base):
    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    event_type: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str | None] = mapped_column(String(64))


class EmailSuppression(Timestamped, Base):
    __tablename__ = "email_suppressions"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))
