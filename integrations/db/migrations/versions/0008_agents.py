"""github api token and review posting per webhook source

Revision ID: 0008_agents
Revises: 0002_audit_outbox
Depends on: 0004_webhooks_api (the webhook_sources table)
Create Date: 2026-12-01

A GitHub source may hold an API token (Fernet-encrypted like the HMAC secret) so the
agents can fetch a pull request's files or a compare for release notes, and a flag that
says whether the review is posted back as a PR comment.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_agents"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004_webhooks_api"


# Plain ADD/DROP COLUMN: PostgreSQL and SQLite >= 3.35 both do them in place (no batch
# copy of the table, which would need reflection of the live schema).
def upgrade() -> None:
    op.add_column("webhook_sources", sa.Column("api_token_encrypted", sa.Text(), nullable=True))
    op.add_column(
        "webhook_sources",
        sa.Column("post_reviews", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("webhook_sources", "post_reviews")
    op.drop_column("webhook_sources", "api_token_encrypted")
