"""The quota gate in embedded mode (SQLite + fakeredis with Lua): same code path."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from agents.approval_mail import email_approvers
from agents.notify import Notice
from integrations.billing.plans import get_plan
from integrations.billing.quota import QuotaRefused, record_tokens, reserve_run
from integrations.billing.usage import render_usage, usage_summary
from integrations.db.models import OutboxEvent, Role
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from tests.conftest import make_tenant


def test_free_quota_is_enforced_and_reported(embedded_settings, tenant_id) -> None:  # type: ignore[no-untyped-def]
    make_tenant(embedded_settings.database_url, tenant_id, "free")
    limit = get_plan("free").runs or 0
    for _ in range(limit):
        reserve_run(embedded_settings, tenant_id)
    with pytest.raises(QuotaRefused):
        reserve_run(embedded_settings, tenant_id)
    record_tokens(embedded_settings, tenant_id, 1234, "s1")
    summary = usage_summary(embedded_settings, tenant_id)
    assert (summary.runs.used, summary.runs.left, summary.runs.limit) == (limit, 0, limit)
    assert summary.llm_tokens.used == 1234
    assert summary.runs_blocked
    text = render_usage(summary, "en")
    assert f"{limit} used, 0 left of {limit}" in text
    assert "1234 used" in text
    assert "gebruikt" in render_usage(summary, "nl")


def test_approval_emails_go_to_approvers_once(embedded_settings, tenant_id) -> None:  # type: ignore[no-untyped-def]
    make_tenant(embedded_settings.database_url, tenant_id)
    with tenant_session(embedded_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UA", role=Role.admin, email="a@example.com")
        ensure_user(session, tenant_id, "UM", role=Role.member, email="m@example.com")
        ensure_user(session, tenant_id, "UO", role=Role.owner)  # no address
    notice = Notice(
        tenant_id=tenant_id,
        conversation_key=f"{tenant_id}:slack:C9:1700000000.000200",
        run_id=7,
        kind="approval_request",
        text="Deploy checkout to production?",
        approval_role="admin",
        dedupe_key="run:7:step:approval:approval",
        extra={"workflow": "production_deploy", "escalated": "0"},
    )
    assert email_approvers(embedded_settings, notice) == 1
    assert email_approvers(embedded_settings, notice) == 0  # the same notice again
    with tenant_session(embedded_settings.database_url, tenant_id) as session:
        mails = session.scalars(select(OutboxEvent)).all()
    assert [m.payload["to"] for m in mails] == ["a@example.com"]
    assert "https://slack.com/archives/C9/p1700000000000200" in mails[0].payload["text"]
