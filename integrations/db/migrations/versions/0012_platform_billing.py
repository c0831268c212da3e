"""platform: billing_accounts.subscribed_at (usage before a subscription is not metered)

Revision ID: 0012_platform_billing
Revises: 0012_platform
Depends on: 0006_billing (billing_accounts)
Create Date: 2026-12-01

A separate revision because Alembic cannot give one revision two `depends_on` siblings of
the same branch point (0004 and 0006 both revise 0002).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_platform_billing"
down_revision: str | Sequence[str] | None = "0012_platform"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0006_billing"


def upgrade() -> None:
    op.add_column(
        "billing_accounts",
        sa.Column("subscribed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("billing_accounts", "subscribed_at")
