"""tenants.self_approval (four eyes on production approvals, issue 11)

Revision ID: 0007_dialogue
Revises: 0002_audit_outbox
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_dialogue"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tenants",
        sa.Column("self_approval", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    # SQLite >= 3.35 drops a column natively; PostgreSQL always could.
    op.drop_column("tenants", "self_approval")
