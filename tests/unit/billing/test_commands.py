"""`/bmad role` and `/bmad billing` handlers on the embedded stack (SQLite + fakeredis)."""

from __future__ import annotations

import uuid

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.slack.billing_commands import billing_command, parse_user, role_command
from bot.slack.commands import COMMANDS, CommandContext
from integrations.db.models import AuditEntry, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user, role_of
from tests.conftest import make_tenant
from tests.fakes.stripe_api import FakeStripe


@pytest.fixture
def team(embedded_settings):  # type: ignore[no-untyped-def]
    tenant = f"T{uuid.uuid4().hex[:8].upper()}"
    make_tenant(embedded_settings.database_url, tenant)
    with tenant_session(embedded_settings.database_url, tenant) as session:
        ensure_user(session, tenant, "UOWNER", role=Role.owner, email="o@example.com")
        ensure_user(session, tenant, "UADMIN", role=Role.admin)
        ensure_user(session, tenant, "UMEMBER", role=Role.member)
    return tenant


def _ctx(settings, team: str, user: str, *args: str, lang: str = "en") -> CommandContext:  # type: ignore[no-untyped-def]
    return CommandContext(settings, team, user, "C1", list(args), lang)


def _role(settings, team: str, user: str) -> Role | None:  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, team) as session:
        return role_of(session, user)


def test_commands_are_registered() -> None:
    assert COMMANDS["role"] is role_command and COMMANDS["billing"] is billing_command


@pytest.mark.parametrize(
    ("token", "user"),
    [("<@U123ABC>", "U123ABC"), ("<@U123ABC|ann>", "U123ABC"), ("@W99ZZ", "W99ZZ"), ("x", None)],
)
def test_parse_user(token: str, user: str | None) -> None:
    assert parse_user(token) == user


def test_admin_gives_admin_and_it_is_audited(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    answer = role_command(_ctx(embedded_settings, team, "UADMIN", "<@UMEMBER|m>", "admin"))
    assert "<@UMEMBER> is now *admin* (was member)" in answer
    assert _role(embedded_settings, team, "UMEMBER") == Role.admin
    with tenant_session(embedded_settings.database_url, team) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "role.change")).one()
    assert (entry.actor, entry.target, entry.source) == ("UADMIN", "UMEMBER", "slack")
    assert entry.details == {"from": "member", "to": "admin"}


def test_member_is_refused_with_the_role_needed(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    answer = role_command(
        _ctx(embedded_settings, team, "UMEMBER", "<@UADMIN>", "viewer", lang="nl")
    )
    assert "*admin*" in answer and "rollen wijzigen" in answer
    assert _role(embedded_settings, team, "UADMIN") == Role.admin


def test_admin_cannot_give_or_take_owner(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    assert "*owner*" in role_command(_ctx(embedded_settings, team, "UADMIN", "<@UMEMBER>", "owner"))
    assert "*owner*" in role_command(_ctx(embedded_settings, team, "UADMIN", "<@UOWNER>", "member"))
    assert _role(embedded_settings, team, "UOWNER") == Role.owner


def test_last_owner_stays(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    answer = role_command(_ctx(embedded_settings, team, "UOWNER", "<@UOWNER>", "admin"))
    assert "without an owner" in answer
    role_command(_ctx(embedded_settings, team, "UOWNER", "<@UADMIN>", "owner"))
    assert "is now *admin*" in role_command(
        _ctx(embedded_settings, team, "UADMIN", "<@UOWNER>", "admin")
    )


def test_bad_arguments_get_the_usage(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    assert "Usage" in role_command(_ctx(embedded_settings, team, "UOWNER", "<@UMEMBER>"))
    assert "Usage" in role_command(_ctx(embedded_settings, team, "UOWNER", "<@UMEMBER>", "god"))


def test_billing_links_for_admins_only(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    with FakeStripe() as stripe_api:
        settings = embedded_settings.model_copy(
            update={
                "stripe_api_key": SecretStr("sk_test_x"),
                "stripe_api_base": stripe_api.base_url,
                "stripe_price_ids": {"team": "price_team"},
            }
        )
        refused = billing_command(_ctx(settings, team, "UMEMBER"))
        assert "*admin*" in refused and not stripe_api.requests
        answer = billing_command(_ctx(settings, team, "UOWNER"))
        assert stripe_api.checkout_sessions[-1]["url"] in answer
        assert stripe_api.portal_sessions[-1]["url"] in answer
        customer = next(iter(stripe_api.customers.values()))
        assert customer["email"] == "o@example.com"
        assert "Unknown plan" in billing_command(_ctx(settings, team, "UOWNER", "platinum"))
        assert "not set up" in billing_command(_ctx(settings, team, "UOWNER", "business"))


def test_export_by_dm_file_for_self_or_admin(embedded_settings, team) -> None:  # type: ignore[no-untyped-def]
    import json

    from bot.slack.billing_commands import export_command
    from tests.fakes.slack_api import FakeSlackAPI

    with FakeSlackAPI() as slack:
        slack.responders["conversations.open"] = lambda params: {
            "ok": True,
            "channel": {"id": f"D{params['users']}"},
        }
        settings = embedded_settings.model_copy(
            update={"slack_bot_token": SecretStr("xoxb-t"), "slack_api_url": slack.api_url}
        )
        refused = export_command(_ctx(settings, team, "UMEMBER", "<@UOWNER>"))
        assert "*admin*" in refused and not slack.uploads
        answer = export_command(_ctx(settings, team, "UMEMBER"))
        assert "<@UMEMBER>" in answer
        # The file is queued on the DM's lane and sent by the outbound dispatcher.
        done = slack.wait_for("files.completeUploadExternal", 1, timeout=10)
        assert done[-1].params["channel_id"] == "DUMEMBER"
        exported = json.loads(next(iter(slack.uploads.values())))
        assert exported["user_id"] == "UMEMBER" and exported["profile"]["role"] == "member"
        assert "<@UOWNER>" in export_command(_ctx(settings, team, "UADMIN", "<@UOWNER>"))
        assert len(slack.wait_for("files.completeUploadExternal", 2, timeout=10)) == 2
    with tenant_session(embedded_settings.database_url, team) as session:
        exports = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "privacy.export")
        ).all()
    assert [(e.actor, e.target, e.source) for e in exports] == [
        ("UMEMBER", "UMEMBER", "slack"),
        ("UADMIN", "UOWNER", "slack"),
    ]
