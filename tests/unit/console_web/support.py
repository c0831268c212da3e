"""Helpers for console tests: sign in through a real link, read a page's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from bot.console_web.signing import make_link_token
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def give_role(settings: Settings, tenant: str, user: str, role: Role) -> None:
    with tenant_session(settings.database_url, tenant) as session:
        set_role(session, tenant, user, role)


def sign_in(client: TestClient, settings: Settings, tenant: str, user: str) -> str:
    """Follow a fresh one-time link; returns the session's CSRF token."""
    token = make_link_token(settings, tenant, user)
    r = client.get(f"/console/signin?token={token}", follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/console/runs").text)


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, html
    return found.group(1)
