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

from agents.workflows.embedded_beat import stop_embedded_beats
from integrations.db.migrate import upgrade
from integrations.db.session import admin_session
from integrations.db.tenants import create_tenant
from integrations.settings import Settings
from integrations.slack.dispatcher import stop_dispatchers
from tests.services import (
    ALLOW_SKIPS,
    SKIP_PREFIX,
    create_pg_database,
    drop_pg_database,
    real_redis_url,
)


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


@pytest.fixture(autouse=True)
def _no_beat_outlives_its_test() -> Iterator[None]:
    """A process-wide embedded beat started by a test (a served app, a workflow service)
    stops with it; left running it would sweep later tests' rows and reconfigure Celery
    (eager: memory broker) while a Celery test is sending."""
    yield
    stop_embedded_beats()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = create_pg_database()
    upgrade(url)
    yield url
    stop_dispatchers()  # their loops would keep reading a dropped database
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
        # One PostgreSQL database serves the whole session: a process-wide embedded beat
        # would sweep every test's runs from a background thread (re-queue a Celery test's
        # step in this process, add rows while a test compares counts). Tests of the beat
        # turn it on for themselves.
        embedded_beat_seconds=0,
        _env_file=None,
    )


@pytest.fixture
def tenant_id() -> str:
    return f"t{uuid.uuid4().hex[:12]}"


def make_tenant(database_url: str, tenant_id: str, plan: str = "free") -> str:
    with admin_session(database_url) as session:
        create_tenant(session, tenant_id, f"Tenant {tenant_id}", plan)
    return tenant_id


_SESSION: list[pytest.Session] = []


def pytest_sessionstart(session: pytest.Session) -> None:
    _SESSION.append(session)


def _service_skips(terminalreporter: pytest.TerminalReporter) -> list[str]:
    reports = terminalreporter.stats.get("skipped", [])
    return [str(r.longrepr[2]) for r in reports if SKIP_PREFIX in str(getattr(r, "longrepr", ""))]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int) -> None:
    """Say loudly how much of the suite did not run because Redis/PostgreSQL were missing."""
    skips = _service_skips(terminalreporter)
    if not skips:
        return
    services = sorted({s.split(SKIP_PREFIX, 1)[1].split(" not reachable")[0] for s in skips})
    terminalreporter.write_sep("=", "services missing", red=not ALLOW_SKIPS, yellow=ALLOW_SKIPS)
    terminalreporter.write_line(
        f"{len(skips)} tests skipped because these services are not reachable: "
        f"{', '.join(services)}. Start them (see CONTRIBUTING.md) or set BMAD_ALLOW_SKIPS=1."
    )
    if not ALLOW_SKIPS and _SESSION:
        _SESSION[0].exitstatus = pytest.ExitCode.TESTS_FAILED
