import pytest
from sqlalchemy import inspect

from integrations.db.migrate import downgrade, upgrade
from integrations.db.session import engine_for
from tests.services import create_pg_database, drop_pg_database

pytestmark = pytest.mark.integration


def _tables(url: str) -> set[str]:
    return set(inspect(engine_for(url)).get_table_names()) - {"alembic_version"}


def _roundtrip(url: str) -> None:
    upgrade(url)
    assert {"tenants", "users"} <= _tables(url)
    downgrade(url, "base")
    assert _tables(url) == set()
    upgrade(url)
    assert {"tenants", "users"} <= _tables(url)


def test_migrations_up_down_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    _roundtrip(f"sqlite:///{tmp_path / 'm.db'}")


def test_migrations_up_down_postgresql() -> None:
    url = create_pg_database()
    try:
        _roundtrip(url)
    finally:
        drop_pg_database(url)
