"""One schedule table for Celery beat and the embedded scheduler (issue 16, point 4).

Reproduces: the embedded default never ran retention purge, Stripe metering and the weekly
digest (they were beat-only). Time is driven with freezegun; effects are checked in the
database and at the fake Stripe (the real SDK talks to it).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import select

from agents.queue import configure_celery
from agents.workflows.schedule import BEAT_CLOCK, JOBS, POLL_CLOCK, SCHEDULE, EmbeddedScheduler
from integrations.billing.accounts import get_account
from integrations.billing.customers import ensure_customer
from integrations.billing.quota import reserve_run
from integrations.db.models import OutboxEvent, Role, UsageEntry, WorkflowRun
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user
from integrations.settings import Settings
from tests.conftest import make_tenant
from tests.fakes.stripe_api import FakeStripe
from tests.integration.billing_support import billing_settings

MONDAY_0300 = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # a Monday


def test_beat_and_embedded_read_the_same_table(embedded_settings: Settings) -> None:
    celery = configure_celery(embedded_settings)
    assert set(celery.conf.beat_schedule) == {j.name for j in SCHEDULE}
    for job in SCHEDULE:
        assert celery.conf.beat_schedule[job.name]["task"] == job.task
        assert job.task in celery.tasks, job.task  # every scheduled task is registered
    # Every job has an embedded runner: the process beat or the HTTP app's poll scheduler.
    assert set(BEAT_CLOCK) | set(POLL_CLOCK) == set(JOBS)
    for names in (BEAT_CLOCK, POLL_CLOCK):
        assert [j.name for j in EmbeddedScheduler(embedded_settings, names).jobs] == list(names)


def test_cadence_settings_turn_embedded_jobs_off(embedded_settings: Settings) -> None:
    off = embedded_settings.model_copy(update={"embedded_beat_seconds": 0})
    assert EmbeddedScheduler(off, BEAT_CLOCK).jobs == []
    no_poll = embedded_settings.model_copy(update={"webhook_poll_seconds": 0})
    assert EmbeddedScheduler(no_poll, POLL_CLOCK).jobs == []


def _old_run(settings: Settings, tenant: str, age_days: int, name: str) -> None:
    with tenant_session(settings.database_url, tenant) as session:
        session.add(
            WorkflowRun(
                tenant_id=tenant,
                workflow=name,
                status="succeeded",
                conversation_key=f"{tenant}:api:x",
                user_id="U1",
                inputs={},
                created_at=datetime.now(UTC) - timedelta(days=age_days),
            )
        )


def test_embedded_mode_runs_retention_metering_and_digest(embedded_settings: Settings) -> None:
    tenant = f"t{uuid.uuid4().hex[:10]}"
    with FakeStripe() as stripe_api, freeze_time(MONDAY_0300) as clock:
        settings = billing_settings(embedded_settings, stripe_api.base_url)
        make_tenant(settings.database_url, tenant, "team")  # 90 days retention
        with tenant_session(settings.database_url, tenant) as session:
            ensure_user(session, tenant, "UADM", role=Role.admin, email="adm@example.com")
        customer = ensure_customer(settings, tenant)
        with tenant_session(settings.database_url, tenant) as session:
            get_account(session).subscription_status = "active"
        reserve_run(settings, tenant)
        _old_run(settings, tenant, 200, "ancient")
        _old_run(settings, tenant, 2, "recent")

        scheduler = EmbeddedScheduler(settings, BEAT_CLOCK)
        assert scheduler.run_due() == []  # nothing is due at start

        clock.move_to(MONDAY_0300 + timedelta(minutes=5, seconds=1))
        ran = scheduler.run_due()
        assert "billing-report-usage" in ran and "billing-retention-purge" not in ran
        assert stripe_api.meter_total(settings.stripe_meter_events["runs"], customer) == 1
        with tenant_session(settings.database_url, tenant) as session:
            assert all(e.reported_at for e in session.scalars(select(UsageEntry)))

        clock.move_to(MONDAY_0300 + timedelta(minutes=17, seconds=30))
        assert "billing-retention-purge" in scheduler.run_due()
        with tenant_session(settings.database_url, tenant) as session:
            assert [r.workflow for r in session.scalars(select(WorkflowRun))] == ["recent"]

        assert _emails(settings, tenant) == []
        clock.move_to(MONDAY_0300 + timedelta(hours=4, seconds=30))  # Monday 07:00:30
        assert "billing-weekly-digest" in scheduler.run_due()
        mails = _emails(settings, tenant)
        assert [m.payload["to"] for m in mails] == ["adm@example.com"]

        clock.move_to(MONDAY_0300 + timedelta(days=1, hours=4))  # Tuesday: no second digest
        ran = scheduler.run_due()
        assert "billing-weekly-digest" not in ran and "billing-retention-purge" in ran
        assert len(_emails(settings, tenant)) == 1
    assert all(scheduler.runs[name] >= 1 for name in BEAT_CLOCK), scheduler.runs


def _emails(settings: Settings, tenant: str) -> list[OutboxEvent]:
    with tenant_session(settings.database_url, tenant) as session:
        rows = session.scalars(select(OutboxEvent).where(OutboxEvent.event_type == "email.send"))
        return list(rows)


@pytest.mark.parametrize("name", POLL_CLOCK)
def test_poll_jobs_run_at_the_poll_cadence(embedded_settings: Settings, name: str) -> None:
    settings = embedded_settings.model_copy(update={"webhook_poll_seconds": 2.0})
    with freeze_time(MONDAY_0300) as clock:
        scheduler = EmbeddedScheduler(settings, [name])
        assert scheduler.run_due() == []
        clock.tick(2.5)
        assert scheduler.run_due() == [name]
        assert scheduler.run_due() == []


def test_the_served_app_starts_the_embedded_beat(embedded_settings: Settings) -> None:
    from fastapi.testclient import TestClient

    from agents.workflows import embedded_beat
    from bot.app import create_app

    settings = embedded_settings.model_copy(update={"embedded_beat_seconds": 3600.0})
    assert settings.database_url not in embedded_beat._started
    with TestClient(create_app(settings)):
        scheduler = embedded_beat._started[settings.database_url]
        assert scheduler.alive and set(BEAT_CLOCK) == {j.name for j in scheduler.jobs}
