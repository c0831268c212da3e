"""People's email (issue 17): set-email, PUT /api/v1/users/{id} and Slack profiles make
approval emails reach the admin (SendGrid stand-in); opt-outs and suppression honoured;
escalations go to the next role up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select

from agents.workflows.engine import now
from agents.workflows.service import WorkflowService
from agents.workflows.sweeper import expire_approvals
from bot.api.keys import create_api_key
from bot.app import create_app
from integrations.db.models import AuditEntry, Role, User
from integrations.db.session import tenant_session
from integrations.db.tenants import find_user, set_role
from integrations.email.addresses import set_email, set_opt_out
from integrations.email.delivery import deliver_pending_emails
from integrations.email.suppression import suppress
from integrations.settings import Settings
from integrations.slack.profiles import refresh_profile_email
from tests.conftest import make_tenant
from tests.fakes.sendgrid_api import FakeSendGrid
from tests.fakes.slack_api import FakeSlackAPI

pytestmark = pytest.mark.integration


@pytest.fixture
def sendgrid() -> Iterator[FakeSendGrid]:
    with FakeSendGrid() as server:
        yield server


@pytest.fixture
def settings(service_settings: Settings, sendgrid: FakeSendGrid) -> Settings:
    return service_settings.model_copy(
        update={
            "sendgrid_api_key": SecretStr("SG.test"),
            "sendgrid_api_host": sendgrid.base_url,
            "embedded_beat_seconds": 0,
        }
    )


@pytest.fixture
def tenant(settings: Settings, tenant_id: str) -> str:
    make_tenant(settings.database_url, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        set_role(session, tenant_id, "U-admin", Role.admin)
        set_role(session, tenant_id, "U-owner", Role.owner)
        set_role(session, tenant_id, "U-member", Role.member)
    return tenant_id


def _wait_for_approval(settings: Settings, tenant: str) -> int:
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant,
        workflow="production_deploy",
        inputs={"service": "billing", "environment": "production"},
        conversation_key=f"{tenant}:api:deploy",
        user_id="U-member",
    )
    service.wait_settled(tenant, [run.id], timeout=60)
    return run.id


def _mine(sendgrid: FakeSendGrid, tenant: str) -> list[str]:
    return sorted(r for r in sendgrid.recipients() if r.endswith(f"@{tenant}.example.com"))


def test_set_email_makes_the_approval_email_reach_the_admin(
    settings: Settings, tenant: str, sendgrid: FakeSendGrid
) -> None:
    """Defect: no supported path set users.email, so approval emails silently did nothing."""
    _wait_for_approval(settings, tenant)
    deliver_pending_emails(settings)
    assert _mine(sendgrid, tenant) == []  # nobody has an address yet: nothing can be sent

    with tenant_session(settings.database_url, tenant) as session:
        set_email(
            session, tenant, "U-admin", f"Admin@{tenant}.example.com", actor="op", source="cli"
        )
        set_email(
            session, tenant, "U-owner", f"owner@{tenant}.example.com", actor="op", source="cli"
        )
        set_opt_out(session, tenant, "U-owner", ["approval_request"], actor="op", source="cli")
        set_email(
            session, tenant, "U-member", f"member@{tenant}.example.com", actor="op", source="cli"
        )
    _wait_for_approval(settings, tenant)
    deliver_pending_emails(settings)
    # the admin got it; the owner opted out of approval emails; members cannot approve
    assert _mine(sendgrid, tenant) == [f"admin@{tenant}.example.com"]
    with tenant_session(settings.database_url, tenant) as session:
        audits = [a for a in session.scalars(select(AuditEntry)) if a.action == "user.email_set"]
    assert audits and all("admin@" not in str(a.details) for a in audits)  # masked


def test_suppressed_addresses_are_skipped_and_escalation_goes_a_role_up(
    settings: Settings, tenant: str, sendgrid: FakeSendGrid
) -> None:
    with tenant_session(settings.database_url, tenant) as session:
        set_email(
            session, tenant, "U-admin", f"admin@{tenant}.example.com", actor="op", source="cli"
        )
        set_email(
            session, tenant, "U-owner", f"owner@{tenant}.example.com", actor="op", source="cli"
        )
        set_role(session, tenant, "U-admin2", Role.admin)
        set_email(
            session, tenant, "U-admin2", f"dead@{tenant}.example.com", actor="op", source="cli"
        )
        suppress(session, f"dead@{tenant}.example.com", "bounce")
    _wait_for_approval(settings, tenant)
    deliver_pending_emails(settings)
    first = _mine(sendgrid, tenant)
    assert first == [f"admin@{tenant}.example.com", f"owner@{tenant}.example.com"]

    assert expire_approvals(settings, at=now() + timedelta(hours=24, minutes=5))["escalated"] >= 1
    deliver_pending_emails(settings)
    escalations = [
        p["email"]
        for m in sendgrid.messages
        for x in m["personalizations"]
        for p in x["to"]
        if p["email"].endswith(f"@{tenant}.example.com")
    ][len(first) :]
    assert escalations == [f"owner@{tenant}.example.com"]  # admin -> owner


def test_put_user_sets_email_and_role_as_admin_only(settings: Settings, tenant: str) -> None:
    client = TestClient(create_app(settings))
    with tenant_session(settings.database_url, tenant) as session:
        _r, admin_key = create_api_key(session, tenant, user_id="U-admin")
        _r, member_key = create_api_key(session, tenant, user_id="U-member")
    admin = {"Authorization": f"Bearer {admin_key}"}
    member = {"Authorization": f"Bearer {member_key}"}
    body = {"email": f"New@{tenant}.example.com", "email_opt_out": ["weekly_digest"]}
    assert client.put("/api/v1/users/U-new", json=body, headers=member).status_code == 403
    r = client.put("/api/v1/users/U-new", json={**body, "role": "admin"}, headers=admin)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": "U-new",
        "email": f"new@{tenant}.example.com",
        "email_opt_out": ["weekly_digest"],
        "role": "admin",
    }
    bad = client.put("/api/v1/users/U-new", json={"email": "not an address"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_email"
    too_high = client.put("/api/v1/users/U-new", json={"role": "owner"}, headers=admin)
    assert too_high.status_code == 403
    with tenant_session(settings.database_url, tenant) as session:
        actions = [a.action for a in session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert "role.change" in actions and "user.email_set" in actions


def test_slack_profile_email_is_stored_and_never_overrides_a_manual_one(
    settings: Settings, tenant: str
) -> None:
    with FakeSlackAPI() as slack:
        emails = {"U-admin": f"admin@{tenant}.example.com", "U-owner": "owner@slack.example.com"}
        slack.responders["users.info"] = lambda params: {
            "ok": True,
            "user": {"id": params["user"], "profile": {"email": emails[params["user"]]}},
        }
        s = settings.model_copy(
            update={"slack_bot_token": SecretStr("xoxb-t"), "slack_api_url": slack.api_url}
        )
        with tenant_session(s.database_url, tenant) as session:
            set_email(
                session, tenant, "U-owner", f"own@{tenant}.example.com", actor="op", source="cli"
            )
        assert refresh_profile_email(s, tenant, "U-admin") == f"admin@{tenant}.example.com"
        refresh_profile_email(s, tenant, "U-owner")
        refresh_profile_email(s, tenant, "U-admin")  # cached: Slack is not asked again
        asked = [c.params["user"] for c in slack.calls_to("users.info")]
    assert asked == ["U-admin"]  # the manual address needs no lookup
    with tenant_session(s.database_url, tenant) as session:
        admin, owner = find_user(session, "U-admin"), find_user(session, "U-owner")
        assert isinstance(admin, User) and isinstance(owner, User)
        assert (admin.email, admin.email_source) == (f"admin@{tenant}.example.com", "slack")
        assert (owner.email, owner.email_source) == (f"own@{tenant}.example.com", "manual")


def test_a_configured_escalation_role_is_used(
    settings: Settings, tenant: str, sendgrid: FakeSendGrid
) -> None:
    from agents.notify import read_notices
    from tests.unit.agents.conftest import place_template

    place_template(
        settings,
        tenant,
        "member_ok",
        "name: member_ok\nsteps:\n"
        "  - {name: ok, kind: approval, role: member, escalate_to: owner}\n",
    )
    with tenant_session(settings.database_url, tenant) as session:
        for user in ("U-member", "U-admin", "U-owner"):
            address = f"{user.lower()}@{tenant}.example.com"
            set_email(session, tenant, user, address, actor="op", source="cli")
    service = WorkflowService(settings)
    run = service.start(
        tenant_id=tenant,
        workflow="member_ok",
        inputs={},
        conversation_key=f"{tenant}:api:esc",
        user_id="U-member",
    )
    service.wait_settled(tenant, [run.id], timeout=60)
    deliver_pending_emails(settings)
    sent_before = len(_mine(sendgrid, tenant))
    assert sent_before == 3  # member, admin and owner may all approve a member step
    assert expire_approvals(settings, at=now() + timedelta(hours=24, minutes=5))["escalated"] == 1
    deliver_pending_emails(settings)
    escalations = [
        p["email"]
        for m in sendgrid.messages
        for x in m["personalizations"]
        for p in x["to"]
        if p["email"].endswith(f"@{tenant}.example.com")
    ][sent_before:]
    assert escalations == [f"u-owner@{tenant}.example.com"]  # not the next role up (admin)
    notices = [n for _, n in read_notices(settings, tenant, f"{tenant}:api:esc")]
    assert "Escalated to: owner" in notices[-1].text


def test_an_approver_who_never_wrote_gets_the_email_from_the_slack_profile(
    settings: Settings, tenant: str, sendgrid: FakeSendGrid
) -> None:
    """Done when: Slack profile emails make approval emails reach the admin."""
    with FakeSlackAPI() as slack:
        slack.responders["users.info"] = lambda params: {
            "ok": True,
            "user": {
                "id": params["user"],
                "profile": {"email": f"{params['user'].lower()}@{tenant}.example.com"},
            },
        }
        s = settings.model_copy(
            update={"slack_bot_token": SecretStr("xoxb-t"), "slack_api_url": slack.api_url}
        )
        _wait_for_approval(s, tenant)
        deliver_pending_emails(s)
    assert _mine(sendgrid, tenant) == [
        f"u-admin@{tenant}.example.com",
        f"u-owner@{tenant}.example.com",
    ]
