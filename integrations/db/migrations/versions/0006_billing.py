"""billing accounts, usage ledger, quota alerts, stripe events, email suppressions

Revision ID: 0006_billing
Revises: 0002_audit_outbox
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_billing"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _tenant_fk(table: str) -> sa.Column:
    return sa.Column(
        "tenant_id",
        sa.String(64),
        sa.ForeignKey("tenants.id", ondelete="CASCADE", name=f"fk_{table}_tenant_id_tenants"),
        nullable=False,
    )


def _created() -> sa.Column:
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "billing_accounts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("billing_accounts"),
        sa.Column("stripe_customer_id", sa.String(64), nullable=True),
        sa.Column("stripe_subscription_id", sa.String(64), nullable=True),
        sa.Column("subscription_status", sa.String(24), nullable=False),
        sa.Column("current_period_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("past_due_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("grace_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("retention_days", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_billing_accounts"),
        sa.UniqueConstraint("tenant_id", name="uq_billing_accounts_tenant"),
        sa.UniqueConstraint("stripe_customer_id", name="uq_billing_accounts_stripe_customer_id"),
    )
    op.create_index("ix_billing_accounts_tenant_id", "billing_accounts", ["tenant_id"])
    op.create_table(
        "usage_ledger",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("usage_ledger"),
        sa.Column("metric", sa.String(24), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_usage_ledger"),
        sa.UniqueConstraint("tenant_id", "metric", "ref", name="uq_usage_ledger_ref"),
    )
    op.create_index("ix_usage_ledger_tenant_id", "usage_ledger", ["tenant_id"])
    op.create_index("ix_usage_ledger_period", "usage_ledger", ["period"])
    op.create_table(
        "quota_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("quota_alerts"),
        sa.Column("metric", sa.String(24), nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_quota_alerts"),
        sa.UniqueConstraint(
            "tenant_id", "metric", "period", "threshold", name="uq_quota_alerts_once"
        ),
    )
    op.create_index("ix_quota_alerts_tenant_id", "quota_alerts", ["tenant_id"])
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("tenant_id", sa.String(64), nullable=True),
        _created(),
        sa.PrimaryKeyConstraint("id", name="pk_stripe_events"),
    )
    op.create_table(
        "email_suppressions",
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        _created(),
        sa.PrimaryKeyConstraint("email", name="pk_email_suppressions"),
    )


def downgrade() -> None:
    op.drop_table("email_suppressions")
    op.drop_table("stripe_events")
    op.drop_index("ix_quota_alerts_tenant_id", table_name="quota_alerts")
    op.drop_table("quota_alerts")
    op.drop_index("ix_usage_ledger_period", table_name="usage_ledger")
    op.drop_index("ix_usage_ledger_tenant_id", table_name="usage_ledger")
    op.drop_table("usage_ledger")
    op.drop_index("ix_billing_accounts_tenant_id", table_name="billing_accounts")
    op.drop_table("billing_accounts")
