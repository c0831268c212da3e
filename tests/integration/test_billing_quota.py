"""Quotas on the real PostgreSQL and Redis: atomic under races, refusals, roll-over, alerts."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from integrations.billing import counters
from integrations.billing.period import current_period
from integrations.billing.plans import get_plan
from integrations.billing.quota import QuotaRefused, record_tokens, release_run, reserve_run
from integrations.db.models import OutboxEvent, QuotaAlert, Role, UsageEntry
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from integrations.redis_store import get_redis
from tests.conftest import make_tenant

pytestmark = pytest.mark.integration


def _prefill_runs(settings, tenant_id: str, count: int) -> None:  # type: ignore[no-untyped-def]
    period = current_period().name
    with tenant_session(settings.database_url, tenant_id) as session:
        for i in range(count):
            session.add(
                UsageEntry(
                    tenant_id=tenant_id, metric="runs", quantity=1, period=period, ref=f"p{i}"
                )
            )


def _ledger_runs(settings, tenant_id: str) -> int:  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, tenant_id) as session:
        return int(
            session.scalar(
                select(func.count()).select_from(UsageEntry).where(UsageEntry.metric == "runs")
            )
        )


def test_twenty_parallel_starts_with_three_left_start_exactly_three(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    limit = get_plan("free").runs
    assert limit is not None
    _prefill_runs(service_settings, tenant_id, limit - 3)

    def start(i: int) -> bool:
        try:
            reserve_run(service_settings, tenant_id, ref=f"race-{i}")
        except QuotaRefused:
            return False
        return True

    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(pool.map(start, range(20)))

    assert results.count(True) == 3
    assert _ledger_runs(service_settings, tenant_id) == limit
    assert counters.current(service_settings, tenant_id, "runs", current_period()) == limit


def test_refusal_carries_upgrade_link_and_starts_nothing(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    limit = get_plan("free").runs or 0
    _prefill_runs(service_settings, tenant_id, limit)
    with pytest.raises(QuotaRefused) as refused:
        reserve_run(service_settings, tenant_id, lang="nl")
    assert refused.value.refusal.reason == "runs_exhausted"
    assert "/billing/upgrade" in refused.value.message
    assert "workflow-runs" in refused.value.message  # Dutch template
    assert _ledger_runs(service_settings, tenant_id) == limit


def test_counter_is_reseeded_from_the_ledger_after_redis_loss(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    reserve_run(service_settings, tenant_id)
    reservation = reserve_run(service_settings, tenant_id)
    period = current_period()
    get_redis(service_settings.redis_url).delete(
        counters.counter_key(tenant_id, "runs", period.name)
    )
    assert counters.current(service_settings, tenant_id, "runs", period) == 2
    release_run(service_settings, reservation)
    assert counters.current(service_settings, tenant_id, "runs", period) == 1
    assert _ledger_runs(service_settings, tenant_id) == 1


def test_period_roll_over_resets_the_quota(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    limit = get_plan("free").runs or 0
    with freeze_time(datetime(2031, 1, 31, 23, 0, tzinfo=UTC)):
        _prefill_runs(service_settings, tenant_id, limit)
        with pytest.raises(QuotaRefused):
            reserve_run(service_settings, tenant_id)
    with freeze_time(datetime(2031, 2, 1, 0, 5, tzinfo=UTC)):
        reservation = reserve_run(service_settings, tenant_id)
    assert reservation.period == "2031-02"
    assert reservation.used == 1


def test_tokens_are_idempotent_and_block_the_next_run(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    limit = get_plan("free").llm_tokens or 0
    assert record_tokens(service_settings, tenant_id, limit - 10, "step-1") == limit - 10
    assert record_tokens(service_settings, tenant_id, limit - 10, "step-1") == limit - 10
    reserve_run(service_settings, tenant_id)
    record_tokens(service_settings, tenant_id, 50, "step-2")
    with pytest.raises(QuotaRefused) as refused:
        reserve_run(service_settings, tenant_id)
    assert refused.value.refusal.reason == "llm_tokens_exhausted"


def test_admins_are_told_once_per_threshold_per_period(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    make_tenant(service_settings.database_url, tenant_id, "free")
    with tenant_session(service_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UADMIN", email="admin@example.com", role=Role.admin)
        ensure_user(session, tenant_id, "UMEMBER", email="member@example.com", role=Role.member)
    limit = get_plan("free").runs or 0
    _prefill_runs(service_settings, tenant_id, int(limit * 0.8) - 2)
    for _ in range(limit - int(limit * 0.8) + 2):
        reserve_run(service_settings, tenant_id)
    with pytest.raises(QuotaRefused):
        reserve_run(service_settings, tenant_id)
    with tenant_session(service_settings.database_url, tenant_id) as session:
        alerts = sorted(session.scalars(select(QuotaAlert.threshold)))
        emails = list(
            session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "email.send"))
        )
        dms = list(
            session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "slack.admin_dm"))
        )
    assert alerts == [80, 100]
    assert [e.payload["to"] for e in emails] == ["admin@example.com", "admin@example.com"]
    assert "80%" in emails[0].payload["subject"]
    assert len(dms) == 2 and dms[0].payload["users"] == ["UADMIN"]


def test_threshold_dms_reach_admins_through_slack(service_settings, tenant_id):  # type: ignore[no-untyped-def]
    from pydantic import SecretStr

    from integrations.billing.admin_dm import deliver_admin_dms
    from tests.fakes.slack_api import FakeSlackAPI

    make_tenant(service_settings.database_url, tenant_id, "free")
    with tenant_session(service_settings.database_url, tenant_id) as session:
        ensure_user(session, tenant_id, "UBOSS", role=Role.owner)
    limit = get_plan("free").runs or 0
    _prefill_runs(service_settings, tenant_id, int(limit * 0.8) - 1)
    reserve_run(service_settings, tenant_id)
    with FakeSlackAPI() as slack:
        settings = service_settings.model_copy(
            update={"slack_bot_token": SecretStr("xoxb-test"), "slack_api_url": slack.api_url}
        )
        slack.rate_limit("chat.postMessage", times=1, retry_after=1, channel="UBOSS")
        deliver_admin_dms(settings)
        posts = [
            c for c in slack.calls_to("chat.postMessage") if c.params.get("channel") == "UBOSS"
        ]
    assert len(posts) == 1
    assert "80%" in posts[0].params["text"] and "/billing/upgrade" in posts[0].params["text"]
    with tenant_session(service_settings.database_url, tenant_id) as session:
        dm = session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "slack.admin_dm")
        ).one()
    assert dm.status == "sent"
