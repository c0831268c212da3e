"""workflow runs, steps, events and deploy hooks

Revision ID: 0003_workflows
Revises: 0002_audit_outbox
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_workflows"
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


def _run_fk(table: str) -> sa.Column:
    return sa.Column(
        "run_id",
        sa.Integer(),
        sa.ForeignKey(
            "workflow_runs.id", ondelete="CASCADE", name=f"fk_{table}_run_id_workflow_runs"
        ),
        nullable=False,
    )


def _ts(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("workflow_runs"),
        sa.Column("workflow", sa.String(64), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("conversation_key", sa.String(300), nullable=False),
        sa.Column("user_id", sa.String(64), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("template", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        _ts("created_at", False),
        _ts("updated_at", False),
        _ts("finished_at"),
        _ts("finish_notified_at"),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_runs"),
    )
    for col in ("tenant_id", "workflow", "status", "conversation_key"):
        op.create_index(f"ix_workflow_runs_{col}", "workflow_runs", [col])

    op.create_table(
        "workflow_steps",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("workflow_steps"),
        _run_fk("workflow_steps"),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("task", sa.String(64), nullable=True),
        sa.Column("is_compensation", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("output", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("mode", sa.String(16), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        _ts("queued_at"),
        _ts("started_at"),
        _ts("lease_until"),
        _ts("finished_at"),
        _ts("notified_at"),
        sa.Column("approval_role", sa.String(16), nullable=True),
        _ts("deadline_at"),
        _ts("escalated_at"),
        sa.Column("decided_by", sa.String(64), nullable=True),
        _ts("decided_at"),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_steps"),
        sa.UniqueConstraint("run_id", "name", name="uq_workflow_steps_run_name"),
    )
    for col in ("tenant_id", "run_id", "status", "lease_until"):
        op.create_index(f"ix_workflow_steps_{col}", "workflow_steps", [col])

    op.create_table(
        "workflow_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("workflow_events"),
        _run_fk("workflow_events"),
        sa.Column("step", sa.String(64), nullable=True),
        sa.Column("type", sa.String(48), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        _ts("created_at", False),
        sa.PrimaryKeyConstraint("id", name="pk_workflow_events"),
    )
    for col in ("tenant_id", "run_id"):
        op.create_index(f"ix_workflow_events_{col}", "workflow_events", [col])

    op.create_table(
        "deploy_hooks",
        sa.Column("id", sa.Integer(), primary_key=True),
        _tenant_fk("deploy_hooks"),
        sa.Column("url", sa.String(1000), nullable=False),
        _ts("created_at", False),
        sa.PrimaryKeyConstraint("id", name="pk_deploy_hooks"),
        sa.UniqueConstraint("tenant_id", name="uq_deploy_hooks_tenant_id"),
    )
    op.create_index("ix_deploy_hooks_tenant_id", "deploy_hooks", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("deploy_hooks")
    op.drop_table("workflow_events")
    op.drop_table("workflow_steps")
    op.drop_table("workflow_runs")
