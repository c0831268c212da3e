"""security: Stripe subscription event ordering

Revision ID: 0010_security
Revises: 0002_audit_outbox
Create Date: 2026-12-01

- `billing_accounts.subscription_event_created`: the `created` time of the newest Stripe
  subscription event applied, so a stale event delivered late is not applied over a newer
  one (`customer.subscription.deleted` then an older `.updated` used to re-grant the plan).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_security"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0006_billing"


def upgrade() -> None:
    op.add_column(
        "billing_accounts", sa.Column("subscription_event_created", sa.BigInteger(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("billing_accounts", "subscription_event_created")  # SQLite >= 3.35 can
