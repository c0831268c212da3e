"""Revision 0006_billing runs up and down on SQLite and PostgreSQL, alone on its branch."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from integrations.db.migrate import downgrade, upgrade
from integrations.db.session import engine_for
from tests.services import create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration
BILLING_TABLES = {
    "billing_accounts",
    "usage_ledger",
    "quota_alerts",
    "stripe_events",
    "email_suppressions",
}


def _tables(url: str) -> set[str]:
    inspector = inspect(engine_for(url))
    return set(inspector.get_table_names())


def _roundtrip(url: str) -> None:
    upgrade(url)
    assert _tables(url) >= BILLING_TABLES
    downgrade(url, "0006_billing@-1")  # only this branch steps back
    tables = _tables(url)
    assert not (BILLING_TABLES & tables)
    assert {"tenants", "users", "audit_log", "outbox_events"} <= tables
    upgrade(url)
    assert _tables(url) >= BILLING_TABLES


def test_billing_migration_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'b.db'}"
    _roundtrip(url)
    engine_for(url).dispose()


def test_billing_migration_postgresql() -> None:
    url = create_pg_database()
    try:
        _roundtrip(url)
    finally:
        drop_pg_database(url)
