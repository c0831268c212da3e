"""Outbound webhooks in the console: register (secret once), refuse unsafe URLs, send a
signed test event through the real delivery path, disable/enable, the delivery log."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from standardwebhooks.webhooks import Webhook

from bot.app import create_app
from bot.webhooks.config import configure_source
from integrations.audit_log import iter_audit
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import add_endpoint, get_endpoint, list_endpoints
from tests.conftest import make_tenant
from tests.unit.console_web.support import give_role, sign_in
from tests.unit.webhooks.receiver import Receiver

TENANT, OTHER = "webh", "webo"


@pytest.fixture
def settings(embedded_settings: Settings) -> Settings:
    allowed = embedded_settings.model_copy(update={"webhook_allow_private": True})
    for tenant in (TENANT, OTHER):
        make_tenant(allowed.database_url, tenant)
    give_role(allowed, TENANT, "ann", Role.admin)
    give_role(allowed, TENANT, "mia", Role.member)
    return allowed


def _client(settings: Settings, user: str) -> tuple[TestClient, str]:
    client = TestClient(create_app(settings))
    return client, sign_in(client, settings, TENANT, user)


def test_register_test_and_switch_an_endpoint(settings: Settings) -> None:
    client, csrf = _client(settings, "ann")
    with Receiver([200]) as rx:
        added = client.post(
            "/console/webhooks",
            data={"url": rx.url, "events": ["run.failed", "run.succeeded"], "csrf": csrf},
        )
        assert added.status_code == 200 and added.headers["cache-control"] == "no-store"
        secret = re.search(r'<pre id="new-secret">(whsec_[^<]+)</pre>', added.text)
        assert secret is not None
        assert secret.group(1) not in client.get("/console/webhooks").text  # shown once
        with tenant_session(settings.database_url, TENANT) as session:
            (endpoint,) = list_endpoints(session)
            endpoint_id = endpoint.public_id
        assert endpoint.events == ["run.failed", "run.succeeded"]

        tested = client.post(f"/console/webhooks/{endpoint_id}/test", data={"csrf": csrf})
        assert tested.status_code == 200
        assert f"endpoint {endpoint_id}: the receiver answered 200" in tested.text
        (request,) = rx.requests
        body = Webhook(secret.group(1)).verify(request.body, request.headers)
        assert body["type"] == "webhook.test"
        log = tested.text.split('id="delivery-log"')[1]
        assert "webhook.test" in log and "delivered" in log

    off = client.post(
        f"/console/webhooks/{endpoint_id}/disable", data={"csrf": csrf}, follow_redirects=False
    )
    assert off.status_code == 303
    with tenant_session(settings.database_url, TENANT) as session:
        found = get_endpoint(session, endpoint_id)
        assert found is not None and not found.enabled
        actions = [(r.action, r.source) for r in iter_audit(session, action_prefix="webhook.")]
    assert actions == [
        ("webhook.endpoint_added", "console"),
        ("webhook.endpoint_disabled", "console"),
    ]
    client.post(f"/console/webhooks/{endpoint_id}/enable", data={"csrf": csrf})
    with tenant_session(settings.database_url, TENANT) as session:
        found = get_endpoint(session, endpoint_id)
        assert found is not None and found.enabled


@pytest.mark.parametrize(
    ("url", "events"),
    [
        ("http://169.254.169.254/latest/meta-data", ["run.failed"]),
        ("https://example.com/hook", ["run.exploded"]),
    ],
)
def test_an_unsafe_or_invalid_endpoint_is_refused_and_nothing_stored(
    embedded_settings: Settings, url: str, events: list[str]
) -> None:
    make_tenant(embedded_settings.database_url, TENANT)
    give_role(embedded_settings, TENANT, "ann", Role.admin)
    client, csrf = _client(embedded_settings, "ann")  # the SSRF guard is on by default
    refused = client.post("/console/webhooks", data={"url": url, "events": events, "csrf": csrf})
    assert refused.status_code == 422 and 'id="problem"' in refused.text
    assert "whsec_" not in refused.text
    with tenant_session(embedded_settings.database_url, TENANT) as session:
        assert list_endpoints(session) == []


def test_inbound_sources_are_shown_without_their_secrets(settings: Settings) -> None:
    with tenant_session(settings.database_url, TENANT) as session:
        configure_source(
            session, settings, TENANT, "generic", secret="s3cret-for-the-generic-source-123"
        )
    client, _ = _client(settings, "ann")
    page = client.get("/console/webhooks").text
    inbound = page.split('id="inbound"')[1].split("</table>")[0]
    assert f"/webhooks/generic/{TENANT}" in inbound and "<td>set</td>" in inbound
    assert "s3cret" not in page


def test_members_and_other_tenants_endpoints_are_out_of_reach(settings: Settings) -> None:
    with tenant_session(settings.database_url, OTHER) as session:
        theirs, _ = add_endpoint(session, settings, OTHER, "http://127.0.0.1:9/x", ["run.failed"])
        theirs_id = theirs.public_id
    member, member_csrf = _client(settings, "mia")
    assert member.get("/console/webhooks").status_code == 403
    forged = member.post(
        "/console/webhooks",
        data={"url": "http://127.0.0.1:9/x", "events": ["run.failed"], "csrf": member_csrf},
    )
    assert forged.status_code == 403
    admin, csrf = _client(settings, "ann")
    assert "127.0.0.1:9" not in admin.get("/console/webhooks").text
    for action in ("disable", "test"):
        r = admin.post(f"/console/webhooks/{theirs_id}/{action}", data={"csrf": csrf})
        assert r.status_code == 404
    with tenant_session(settings.database_url, OTHER) as session:
        found = get_endpoint(session, theirs_id)
        assert found is not None and found.enabled
    with tenant_session(settings.database_url, TENANT) as session:
        assert list_endpoints(session) == []
    assert json.loads(
        admin.post("/console/webhooks/1/explode", data={"csrf": csrf}).text
    )  # an unknown action is a 4xx with a JSON body, not a page crash
