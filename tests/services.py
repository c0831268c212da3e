"""Access to the real services for tests: skip when absent, fail when BMAD_REQUIRE_SERVICES=1."""

from __future__ import annotations

import os
import uuid

import pytest
import redis
from sqlalchemy import create_engine, text

REQUIRE = os.environ.get("BMAD_REQUIRE_SERVICES") == "1"
# Skipping for a missing service is allowed only when asked for (a laptop without Redis).
ALLOW_SKIPS = os.environ.get("BMAD_ALLOW_SKIPS") == "1"
SKIP_PREFIX = "service missing: "
PG_ADMIN_URL = os.environ.get(
    "BMAD_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BMAD_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def unavailable(what: str, why: Exception) -> None:
    message = f"{what} not reachable: {why}"
    if REQUIRE:
        pytest.fail(message + " (BMAD_REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(SKIP_PREFIX + message)


def real_redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except Exception as err:
        unavailable("redis", err)
    return REDIS_URL


def _admin_engine():  # type: ignore[no-untyped-def]
    return create_engine(
        PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 2}
    )


def create_pg_database() -> str:
    """A new, empty PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"bmad_test_{uuid.uuid4().hex[:10]}"
    try:
        engine = _admin_engine()
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except Exception as err:
        unavailable("postgresql", err)
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def drop_pg_database(url: str) -> None:
    from integrations.db.session import engine_for

    engine_for(url).dispose()
    name = url.rsplit("/", 1)[1]
    engine = _admin_engine()
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


# The keys every process of a shared (PostgreSQL/Redis) test deployment gets, as operators
# must set them (serve/worker/beat refuse to start without): one deployment, one key.
DEPLOYMENT_SECRET_KEY = "aSdrHmV3b0dVbV9rZXlfZm9yX2JtYWRfdGVzdHMwMDA="
DEPLOYMENT_PSEUDONYM_KEY = "bmad-test-pseudonym-key-0123456789abcdef"
DEPLOYMENT_KEYS = {
    "BMAD_SECRET_KEY": DEPLOYMENT_SECRET_KEY,
    "BMAD_PRIVACY_PSEUDONYM_KEY": DEPLOYMENT_PSEUDONYM_KEY,
}
