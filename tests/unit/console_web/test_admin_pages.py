"""Administration in the console: members and roles, API keys.

The same rules as `/bmad role` and `bmad apikeys` hold: never above your own role, the
last owner stays, members see no admin pages and their forged POSTs change nothing, keys
made here act as the admin who made them, another tenant's key cannot be revoked.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from bot.api.keys import create_api_key, resolve_api_key
from bot.app import create_app
from integrations.audit_log import iter_audit
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in

TENANT, OTHER = "weba", "webz"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    make_tenant(embedded_settings.database_url, TENANT)
    make_tenant(embedded_settings.database_url, OTHER)
    give_role(embedded_settings, TENANT, "olga", Role.owner)
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    give_role(embedded_settings, TENANT, "mia", Role.member)
    return embedded_settings


def _client(settings: Settings, user: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    return client, sign_in(client, settings, TENANT, user)


def _role(settings: Settings, user: str) -> Role | None:
    with tenant_session(settings.database_url, TENANT) as session:
        return role_of(session, user)


def test_an_admin_changes_roles_within_their_own(settings: Settings) -> None:
    client, csrf = _client(settings, "ann")
    page = client.get("/console/members")
    assert page.status_code == 200 and "olga" in page.text and "mia" in page.text
    members_table = page.text.split('id="members"')[1]
    offered = set(re.findall(r'<option value="(\w+)"', members_table))
    assert offered == {"admin", "member", "viewer"}  # never above their own role

    done = client.post(
        "/console/members",
        data={"user": "mia", "role": "viewer", "csrf": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303 and _role(settings, "mia") is Role.viewer
    added = client.post("/console/members", data={"user": "U0NEW", "role": "member", "csrf": csrf})
    assert added.status_code == 200 and _role(settings, "U0NEW") is Role.member

    above = client.post("/console/members", data={"user": "mia", "role": "owner", "csrf": csrf})
    assert above.status_code == 403 and _role(settings, "mia") is Role.viewer
    demote_owner = client.post(
        "/console/members", data={"user": "olga", "role": "member", "csrf": csrf}
    )
    assert demote_owner.status_code == 403 and _role(settings, "olga") is Role.owner
    with tenant_session(settings.database_url, TENANT) as session:
        changes = [r for r in iter_audit(session, action_prefix="role.") if r.actor == "ann"]
    assert [(r.target, r.source) for r in changes] == [("mia", "console"), ("U0NEW", "console")]


def test_the_last_owner_stays(settings: Settings) -> None:
    client, csrf = _client(settings, "olga")
    refused = client.post("/console/members", data={"user": "olga", "role": "admin", "csrf": csrf})
    assert refused.status_code == 409 and "at least one owner" in refused.text
    assert _role(settings, "olga") is Role.owner


def test_members_see_no_admin_pages_and_forged_posts_change_nothing(settings: Settings) -> None:
    client, csrf = _client(settings, "mia")
    assert 'href="/console/members"' not in client.get("/console/runs").text
    for path in ("/console/members", "/console/keys"):
        assert client.get(path).status_code == 403
    forged = client.post("/console/members", data={"user": "mia", "role": "admin", "csrf": csrf})
    assert forged.status_code == 403 and _role(settings, "mia") is Role.member
    assert client.post("/console/keys", data={"name": "x", "csrf": csrf}).status_code == 403


def test_a_post_without_the_sessions_csrf_token_changes_nothing(settings: Settings) -> None:
    client, _ = _client(settings, "ann")
    forged = client.post("/console/members", data={"user": "mia", "role": "viewer", "csrf": "x"})
    assert forged.status_code == 403 and _role(settings, "mia") is Role.member
    assert client.post("/console/keys", data={"name": "x", "csrf": "x"}).status_code == 403
    with tenant_session(settings.database_url, TENANT) as session:
        assert list(iter_audit(session, action_prefix="apikey.")) == []


def test_an_admin_creates_a_key_that_acts_as_them_and_revokes_it(settings: Settings) -> None:
    client, csrf = _client(settings, "ann")
    made = client.post("/console/keys", data={"name": "ci pipeline", "csrf": csrf})
    assert made.status_code == 200 and made.headers["cache-control"] == "no-store"
    plain = re.search(r'<pre id="new-key">([^<]+)</pre>', made.text)
    assert plain is not None
    principal = resolve_api_key(settings.database_url, plain.group(1))
    assert principal is not None and principal.user_id == "ann" and principal.tenant_id == TENANT

    listing = client.get("/console/keys")
    assert "ci pipeline" in listing.text and plain.group(1) not in listing.text  # shown once
    control = client.post("/console/keys", data={"name": "nul\x00x", "csrf": csrf})
    assert control.status_code == 422 and "control characters" in control.text
    prefix = plain.group(1).split("_")[1]
    revoked = client.post(
        f"/console/keys/{prefix}/revoke", data={"csrf": csrf}, follow_redirects=False
    )
    assert revoked.status_code == 303
    assert resolve_api_key(settings.database_url, plain.group(1)) is None


def test_another_tenants_key_cannot_be_revoked(settings: Settings) -> None:
    with tenant_session(settings.database_url, OTHER) as session:
        key, plain = create_api_key(session, OTHER, name="theirs", user_id="zed")
        prefix = key.prefix
    client, csrf = _client(settings, "ann")
    assert "theirs" not in client.get("/console/keys").text
    refused = client.post(f"/console/keys/{prefix}/revoke", data={"csrf": csrf})
    assert refused.status_code == 404
    assert resolve_api_key(settings.database_url, plain) is not None
