"""platform: webhook retry windows, tenant workflow templates, users' email preferences

Revision ID: 0012_platform
Revises: 0002_audit_outbox
Depends on: 0004_webhooks_api (webhook tables); billing's column is in 0012_platform_billing
Create Date: 2026-12-01

- `webhook_endpoints.failing_since`: an endpoint is disabled only after failing for a
  whole window, not after N failures that may belong to a burst of events.
- `webhook_deliveries.window_started_at`: the retry window restarts on re-enable / replay.
- Deliveries left `skipped` by the old auto-disable become `pending` again (they were
  acknowledged events, never sent); endpoint subscriptions move to the new event names.
- `workflow_templates`: tenant templates in the database (versioned, shared by replicas).
- `users.email_opt_out` / `email_source` / `email_checked_at`: per-kind opt-out and where
  the address came from (Slack profile lookups are refreshed, set-email ones are kept).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_platform"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0004_webhooks_api"

RENAMED = {
    "approval.requested": ["run.waiting_approval"],
    "approval.decided": ["run.approved", "run.rejected"],
}


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("failing_since", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("webhook_deliveries") as batch:
        batch.add_column(sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_opt_out", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("email_source", sa.String(16), nullable=True))
        batch.add_column(sa.Column("email_checked_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "workflow_templates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "tenant_id",
            sa.String(64),
            sa.ForeignKey(
                "tenants.id", ondelete="CASCADE", name="fk_workflow_templates_tenant_id_tenants"
            ),
            nullable=False,
        ),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=True),
        sa.Column("deleted", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("created_by", sa.String(128), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("tenant_id", "name", "version", name="uq_workflow_templates_version"),
    )
    op.create_index("ix_workflow_templates_tenant_id", "workflow_templates", ["tenant_id"])
    _move_subscriptions(RENAMED)
    op.execute(
        "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = NULL "
        "WHERE status = 'skipped'"
    )


def _move_subscriptions(renamed: dict[str, list[str]]) -> None:
    bind = op.get_bind()
    endpoints = sa.table(
        "webhook_endpoints", sa.column("id", sa.Integer), sa.column("events", sa.JSON)
    )
    for row in bind.execute(sa.select(endpoints.c.id, endpoints.c.events)).all():
        events = list(row.events or [])
        moved: list[str] = []
        for name in events:
            moved.extend(renamed.get(name, [name]))
        if moved != events:
            bind.execute(
                endpoints.update().where(endpoints.c.id == row.id).values(events=sorted(set(moved)))
            )


def downgrade() -> None:
    back = {"run.waiting_approval": ["approval.requested"]}
    back |= {"run.approved": ["approval.decided"], "run.rejected": ["approval.decided"]}
    _move_subscriptions(back)
    op.drop_index("ix_workflow_templates_tenant_id", table_name="workflow_templates")
    op.drop_table("workflow_templates")
    for column in ("email_checked_at", "email_source", "email_opt_out"):
        op.drop_column("users", column)
    op.drop_column("webhook_deliveries", "window_started_at")
    op.drop_column("webhook_endpoints", "failing_since")
