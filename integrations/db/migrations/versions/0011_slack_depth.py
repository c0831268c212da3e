"""slack settings per tenant (approvers user group)

Revision ID: 0011_slack_depth
Revises: 0002_audit_outbox
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_slack_depth"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_settings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey(
                "tenants.id", ondelete="CASCADE", name="fk_slack_settings_tenant_id_tenants"
            ),
            nullable=False,
        ),
        sa.Column("approvers_group", sa.String(32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_slack_settings"),
        sa.UniqueConstraint("tenant_id", name="uq_slack_settings_tenant_id"),
    )
    op.create_index("ix_slack_settings_tenant_id", "slack_settings", ["tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_slack_settings_tenant_id", table_name="slack_settings")
    op.drop_table("slack_settings")
