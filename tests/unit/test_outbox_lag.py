"""Outbox lag gauge: age of the oldest pending event per type, back to 0 once delivered."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from prometheus_client import REGISTRY
from sqlalchemy import select

from integrations.db.events import enqueue_event
from integrations.db.models import OutboxEvent
from integrations.db.outbox_lag import record_outbox_lag
from integrations.db.session import tenant_session
from integrations.settings import Settings, get_settings
from tests.conftest import make_tenant

START = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _lag(event_type: str) -> float | None:
    return REGISTRY.get_sample_value("bmad_outbox_lag_seconds", {"event_type": event_type})


def test_lag_grows_until_delivered(embedded_settings: Settings, tenant_id: str) -> None:
    make_tenant(embedded_settings.database_url, tenant_id)
    kind = f"test.lag.{tenant_id}"
    with freeze_time(START) as clock:
        with tenant_session(embedded_settings.database_url, tenant_id) as session:
            enqueue_event(session, tenant_id, kind, {"n": 1})
        clock.move_to(START + timedelta(seconds=90))
        assert record_outbox_lag(embedded_settings)[kind] == 90
        assert _lag(kind) == 90
        with tenant_session(embedded_settings.database_url, tenant_id) as session:
            for event in session.scalars(select(OutboxEvent)):
                event.status = "delivered"
        assert kind not in record_outbox_lag(embedded_settings)
        assert _lag(kind) == 0


def test_the_scheduled_job_reports_a_drained_outbox_as_zero(embedded_settings: Settings) -> None:
    """A fresh process with nothing pending still exports the series (as 0): a dashboard
    shows 0, not "no data", and the metric exists for Prometheus to scrape."""
    from agents.workflows.schedule import JOBS, run_job

    run_job(JOBS["outbox-lag"], embedded_settings)
    assert _lag("email.send") == 0
    assert REGISTRY.get_sample_value("bmad_outbox_pending", {"event_type": "email.send"}) == 0


def test_the_celery_task_reports_a_drained_outbox_as_zero(
    embedded_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect: the Celery task (production's beat) called the recorder without the known
    types, so with nothing pending a worker exported no outbox series at all (the
    Prometheus scrape test failed whenever the webhook drain had emptied the outbox)."""
    from agents.tasks import record_outbox_lag as task
    from integrations.db import outbox_lag
    from integrations.observability.metrics import OUTBOX_LAG_SECONDS, OUTBOX_PENDING

    monkeypatch.setenv("BMAD_DATABASE_URL", embedded_settings.database_url)
    get_settings.cache_clear()
    outbox_lag._seen.clear()  # a fresh worker process: nothing reported yet
    OUTBOX_PENDING.clear()
    OUTBOX_LAG_SECONDS.clear()
    try:
        task.run()
    finally:
        get_settings.cache_clear()
    assert _lag("email.send") == 0
    assert REGISTRY.get_sample_value("bmad_outbox_pending", {"event_type": "run.failed"}) == 0
