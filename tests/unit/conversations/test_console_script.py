"""The console channel in scripted mode, in-process on the embedded defaults: each line's
work settles (notices printed) before the next line is handled."""

from __future__ import annotations

from sqlalchemy import select

from bot.console import ConsoleSession
from integrations.db.models import AuditEntry, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.settings import Settings


def test_script_waits_for_each_turns_work(embedded_settings: Settings, tenant_id: str) -> None:
    printed: list[str] = []
    session = ConsoleSession(embedded_settings, tenant_id, "ops", "s1", out=printed.append)
    session.prepare()
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
