"""The console channel in scripted mode, in-process on the embedded defaults: each line's
work settles (notices printed) before the next line is handled."""

from __future__ import annotations

from sqlalchemy import select

from bot.console import ConsoleSession
from integrations.db.models import AuditEntry, Role
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import role_of, set_self_approval
from integrations.settings import Settings


def test_script_waits_for_each_turns_work(embedded_settings: Settings, tenant_id: str) -> None:
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "s1", out=printed.append)
    session.prepare()
    # A one-person console: the requester may approve their own production deploy.
    with admin_session(embedded_settings.database_url) as db:
        set_self_approval(db, tenant_id, True)
    session.run_script(
        [
            "deploy checkout to production\n",
            "yes\n",
            "\n",
            "approve\n",
            "what's the status?\n",
        ]
    )
    text = "\n".join(printed)
    confirm = text.index("Deploy *checkout* to *production*?")
    started = text.index("On it:")
    plan = text.index("Deployment plan: checkout to production")
    waiting = text.index("is waiting for approval")
    approved = text.index("Approved.")
    finished = text.index("finished")
    status = text.index("is done")
    # Strict order: each turn's notices came before the next line's reply.
    assert confirm < started < plan < waiting < approved < finished < status, text


def test_prepare_makes_the_console_user_owner(embedded_settings: Settings, tenant_id: str) -> None:
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "s2", out=printed.append)
    session.prepare()
    session.prepare()  # idempotent
    with tenant_session(embedded_settings.database_url, tenant_id) as db:
        assert role_of(db, "ops") is Role.owner
        changes = list(db.scalars(select(AuditEntry).where(AuditEntry.action == "role.change")))
    assert [(c.target, c.details["to"], c.source) for c in changes] == [("ops", "owner", "console")]
    session.run_script(["approve\n"])
    assert printed == ["Nothing in this conversation is waiting for an approval."]


def test_console_owner_cannot_approve_own_production_deploy_by_default(
    embedded_settings: Settings, tenant_id: str
) -> None:
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "s3", out=printed.append)
    session.prepare()
    session.run_script(["deploy checkout to production\n", "yes\n", "approve\n", "yes\n"])
    text = "\n".join(printed)
    assert "four eyes" in text
    assert "Approved." not in text
    assert "no open question" in text  # the last bare "yes" approves nothing


def test_a_message_longer_than_any_task_takes_gets_the_limit_reply(
    embedded_settings: Settings, tenant_id: str
) -> None:
    """A pasted 35,000-character review used to end `bmad chat` with a validation traceback
    (and Slack cut such a message silently, reviewing only its start): now the request is
    refused in words, naming the limit, and the session goes on."""
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "s9", out=printed.append)
    session.prepare()
    session.run_script(["review this code: " + "x = 1; " * 5000 + "\n", "thanks\n"])
    text = "\n".join(printed)
    assert "20,000" in text or "20000" in text, text[:500]
    assert "Traceback" not in text
    assert len(printed) >= 2  # the next line was handled too


def test_replies_outside_slack_show_the_users_text_as_typed(
    embedded_settings: Settings, tenant_id: str
) -> None:
    """Slack-escaping of values (`&lt;`) belongs to Slack: the terminal shows `a < b && c`."""
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "s10", out=printed.append)
    session.prepare()
    session.run_script(["write a user story for comparing prices where a < b && c > d\n"])
    text = "\n".join(printed)
    assert "a < b && c > d" in text, text
    assert "&lt;" not in text and "&amp;" not in text
