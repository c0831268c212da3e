"""`bmad console link`: a one-time link for a user with a role; a fresh embedded install
gets its tenant with that user as owner (like `bmad chat`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from bot.app import create_app
from bot.cli.main import app
from integrations.db.models import AuditEntry, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.settings import Settings, get_settings
from tests.conftest import make_tenant


@pytest.fixture
def settings(embedded_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("BMAD_DATABASE_URL", embedded_settings.database_url)
    monkeypatch.setenv("BMAD_DATA_DIR", str(Path(embedded_settings.data_dir)))
    monkeypatch.setenv("BMAD_PUBLIC_URL", "http://127.0.0.1:8765")
    monkeypatch.setenv("BMAD_LOG_JSON", "false")
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()
    structlog.reset_defaults()


def test_fresh_install_link_makes_the_owner_and_signs_in(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["console", "link", "--tenant", "fresh", "--user", "op"])
    assert result.exit_code == 0, result.output
    link = result.output.strip().splitlines()[-1]
    assert link.startswith("http://127.0.0.1:8765/console/signin?token=")
    with tenant_session(settings.database_url, "fresh") as session:
        assert role_of(session, "op") is Role.owner
        actions = [a.action for a in session.scalars(select(AuditEntry))]
    assert "console.link_issued" in actions
    client = TestClient(create_app(settings))
    signed_in = client.get(link.removeprefix("http://127.0.0.1:8765"), follow_redirects=False)
    assert signed_in.status_code == 303
    assert "op (owner) in fresh" in client.get("/console/runs").text


def test_an_existing_tenant_needs_the_user_to_have_a_role(settings: Settings) -> None:
    make_tenant(settings.database_url, "team")
    result = CliRunner().invoke(app, ["console", "link", "--tenant", "team", "--user", "nobody"])
    assert result.exit_code == 2 and "signin" not in result.output
    with tenant_session(settings.database_url, "team") as session:
        assert role_of(session, "nobody") is None  # not promoted by asking for a link
    assert (
        CliRunner().invoke(app, ["console", "link", "--user", "x:y", "--tenant", "a:b"]).exit_code
        == 2
    )
