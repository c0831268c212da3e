"""The PostgreSQL backup/restore drill of docs/operations.md, on throw-away databases:
deploy/backup/pg_backup.sh (pg_dump -Fc) then pg_restore.sh into an empty database; the
copy has the same rows and schema revision, and `bmad migrate` on it is a no-op."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from integrations.db.migrate import upgrade
from integrations.db.models import AuditEntry, Tenant, WorkflowRun
from integrations.db.session import admin_session, tenant_session
from tests.conftest import make_tenant
from tests.services import create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def _snapshot(url: str) -> dict[str, object]:
    with admin_session(url) as session:
        return {
            "tenants": sorted(session.scalars(select(Tenant.id))),
            "runs": session.scalar(select(func.count()).select_from(WorkflowRun)),
            "audit": session.scalar(select(func.count()).select_from(AuditEntry)),
            "heads": sorted(session.scalars(text("SELECT version_num FROM alembic_version"))),
        }


def test_backup_and_restore_drill(tmp_path: Path) -> None:
    source, target = create_pg_database(), create_pg_database()
    try:
        upgrade(source)
        tenant = make_tenant(source, "tbackupdrill")
        with tenant_session(source, tenant) as session:
            session.add(
                WorkflowRun(
                    tenant_id=tenant,
                    workflow="feature_delivery",
                    status="succeeded",
                    conversation_key=f"{tenant}:api:x",
                    user_id="U1",
                    inputs={"feature": "backups"},
                )
            )
        before = _snapshot(source)
        dump = tmp_path / "bmad.dump"
        for cmd in (
            [str(ROOT / "deploy/backup/pg_backup.sh"), libpq(source), str(dump)],
            [str(ROOT / "deploy/backup/pg_restore.sh"), str(dump), libpq(target)],
        ):
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            assert done.returncode == 0, done.stdout + done.stderr
        assert _snapshot(target) == before
        assert before["runs"] == 1 and before["tenants"] == [tenant]
        upgrade(target)  # already at head: nothing to do, nothing broken
        assert _snapshot(target) == before
    finally:
        drop_pg_database(source)
        drop_pg_database(target)
