"""Approval requests reach the people who can decide: each eligible approver by DM, or
the user group a tenant configured (`bmad slack approvers`) pinged in the request."""

import json
import uuid

from pydantic import SecretStr
from typer.testing import CliRunner

from agents.notify import Notice
from bot.cli.main import app
from bot.slack.notifier import SlackNotifier
from bot.slack.threads import approval_messages
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.observability.logging import configure_logging
from integrations.redis_store import get_redis
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.e2e.fault_support import wait_until
from tests.fakes.slack_api import FakeSlackAPI


def _request(team: str) -> Notice:
    return Notice(
        tenant_id=team,
        conversation_key=f"{team}:slack:C1:1.1",
        run_id=3,
        kind="approval_request",
        text="waiting",
        approval_role="admin",
        extra={"workflow": "production_deploy", "service": "checkout", "requester": "UREQ"},
    )


def _setup(settings: Settings) -> str:
    team = f"T{uuid.uuid4().hex[:8].upper()}"
    make_tenant(settings.database_url, team)
    with tenant_session(settings.database_url, team) as session:
        set_role(session, team, "UADMIN", Role.admin)
        set_role(session, team, "UOWNER", Role.owner)
        set_role(session, team, "UMEMBER", Role.member)
        set_role(session, team, "UREQ", Role.admin)
    return team


def _with_slack(settings: Settings, slack: FakeSlackAPI) -> Settings:
    return settings.model_copy(
        update={"slack_api_url": slack.api_url, "slack_bot_token": SecretStr("xoxb-1")}
    )


def test_eligible_approvers_get_a_dm(embedded_settings: Settings) -> None:
    team = _setup(embedded_settings)
    with FakeSlackAPI() as slack:
        SlackNotifier(_with_slack(embedded_settings, slack)).notify(_request(team))
        slack.wait_for("chat.postMessage", 3, timeout=10)
        channels = {c.params["channel"] for c in slack.calls_to("chat.postMessage")}
    assert channels == {"C1", "UADMIN", "UOWNER"}  # not the member, not the requester


def test_a_configured_group_is_pinged_instead(embedded_settings: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from integrations.settings import get_settings

    team = _setup(embedded_settings)
    monkeypatch.setenv("BMAD_DATABASE_URL", embedded_settings.database_url)
    get_settings.cache_clear()
    try:
        runner = CliRunner()
        bad = runner.invoke(app, ["slack", "approvers", "--tenant", team, "--group", "@ops"])
        ok = runner.invoke(app, ["slack", "approvers", "--tenant", team, "--group", "S0OPS"])
    finally:
        get_settings.cache_clear()
        configure_logging()
    assert bad.exit_code == 2
    assert ok.exit_code == 0 and "S0OPS" in ok.output
    with FakeSlackAPI() as slack:
        SlackNotifier(_with_slack(embedded_settings, slack)).notify(_request(team))
        (posted,) = slack.wait_for("chat.postMessage", 1, timeout=10)
        assert "<!subteam^S0OPS>" in json.dumps(posted.params["blocks"])
        assert len(slack.calls_to("chat.postMessage")) == 1  # no DMs


def test_an_expired_request_loses_its_buttons(embedded_settings: Settings) -> None:
    team = _setup(embedded_settings)
    with FakeSlackAPI() as slack:
        notifier = SlackNotifier(_with_slack(embedded_settings, slack))
        notifier.notify(_request(team))
        (posted,) = slack.wait_for("chat.postMessage", 1, timeout=10, channel="C1")
        # The message's place is saved after Slack answered: the decision must find it.
        redis = get_redis(embedded_settings.redis_url)
        wait_until(lambda: bool(approval_messages(redis, team, 3)), 10, "the saved request")
        expired = _request(team).model_copy(
            update={
                "kind": "approval_decided",
                "extra": {"outcome": "expired", "approved": "0", "decided_at": ""},
            }
        )
        notifier.notify(expired)
        (update,) = slack.wait_for("chat.update", 1, timeout=10, channel="C1")
        slack.wait_for("views.publish", 3, timeout=10)  # approvers' App Home refreshed
    assert update.params["ts"] == posted.response["ts"]
    blocks = (
        json.loads(update.params["blocks"])
        if isinstance(update.params["blocks"], str)
        else update.params["blocks"]
    )
    assert all(b["type"] != "actions" for b in blocks)
    assert "Expired" in json.dumps(blocks)
