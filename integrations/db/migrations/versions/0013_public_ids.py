"""public ids: opaque `public_id` on runs, audit entries, webhook endpoints, outbox events

Revision ID: 0013_public_ids
Revises: 0012_platform_billing
Depends on: 0003_workflows (workflow_runs)
Create Date: 2026-12-02

Existing rows get an id in the same format the application gives new ones, then the
column becomes NOT NULL and unique.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from integrations.db.public_ids import PUBLIC_ID_LENGTH

revision: str = "0013_public_ids"
down_revision: str | Sequence[str] | None = "0012_platform_billing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0003_workflows"

TABLES = {
    "workflow_runs": "run",
    "audit_log": "aud",
    "webhook_endpoints": "whe",
}


def upgrade() -> None:
    with op.batch_alter_table("outbox_events") as batch:
        batch.add_column(sa.Column("public_id", sa.String(PUBLIC_ID_LENGTH), nullable=True))
    # Events already sent were signed with `webhook-id: evt_<id>`: a replay keeps that id.
    op.execute("UPDATE outbox_events SET public_id = 'evt_' || CAST(id AS VARCHAR)")
    _finish("outbox_events")
    for table, prefix in TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("public_id", sa.String(PUBLIC_ID_LENGTH), nullable=True))
        _backfill(table, prefix)
        _finish(table)


def _finish(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.alter_column("public_id", existing_type=sa.String(PUBLIC_ID_LENGTH), nullable=False)
        batch.create_unique_constraint(f"uq_{table}_public_id", ["public_id"])


def _backfill(table: str, prefix: str) -> None:
    """One UPDATE per table (audit logs can be long): random hex from the database itself.
    Old rows get random (v4-like) ids; only new rows are time-ordered, which is harmless."""
    random_hex = {
        "postgresql": "replace(gen_random_uuid()::text, '-', '')",
        "sqlite": "lower(hex(randomblob(16)))",
    }[op.get_bind().dialect.name]
    op.execute(f"UPDATE {table} SET public_id = '{prefix}_' || {random_hex}")


def downgrade() -> None:
    for table in (*TABLES, "outbox_events"):
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"uq_{table}_public_id", type_="unique")
            batch.drop_column("public_id")
