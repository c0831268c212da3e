"""Fixtures shared by all tests.

- `embedded_settings`: SQLite in a temp dir + in-process Redis, migrated.
- `pg_url` / `redis_url`: the real PostgreSQL (a fresh database per test session) and Redis.
- `tenant_id`: a unique tenant id per test, so tests never share Redis keys or rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from integrations.db.migrate import upgrade
from integrations.db.session import admin_session
from integrations.db.tenants import create_tenant
from integrations.settings import Settings
from tests.services import create_pg_database, drop_pg_database, real_redis_url


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'bmad.db'}",
        redis_url=None,
        queue="eager",
        data_dir=str(tmp_path / "data"),
        _env_file=None,
    )
    upgrade(settings.database_url)
    return settings


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    upgrade(url)
    yield url
    drop_pg_database(url)


@pytest.fixture(scope="session")
def redis_url() -> str:
    return real_redis_url()


@pytest.fixture
def service_settings(pg_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=pg_url,
        redis_url=redis_url,
        queue="eager",
        data_dir=str(tmp_path / "data"),
        _env_file=None,
    )


@pytest.fixture
def tenant_id() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def make_tenant(database_url: str, tenant_id: str, plan: str = "free") -> str:
    with admin_session(database_url) as session:
        create_tenant(session, tenant_id, f"Tenant {tenant_id}", plan)
    return tenant_id
