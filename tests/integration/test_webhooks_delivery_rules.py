"""Outbound webhooks never drop events (issue 17): per-event retries, the 24 h disable rule,
held deliveries on re-enable, run.cancelled, replay, Standard Webhooks signatures.

The scheduler's clock is explicit (`drain(now=...)`), so a 60 s outage and a day of retries
take a second; the signatures are verified with the `standardwebhooks` library, as a
receiver would.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from agents.workflows.schedule import EmbeddedScheduler
from agents.workflows.service import WorkflowService
from integrations.db.events import enqueue_event
from integrations.db.models import Role, WebhookDelivery, WebhookEndpoint
from integrations.db.session import tenant_session
from integrations.db.tenants import set_role
from integrations.settings import Settings
from integrations.webhooks_out.catalog import validate_payload
from integrations.webhooks_out.endpoints import add_endpoint, get_endpoint, replay, set_enabled
from integrations.webhooks_out.worker import drain
from tests.conftest import make_tenant
from tests.polling import wait_until
from tests.unit.webhooks.receiver import Received, Receiver

pytestmark = pytest.mark.integration
T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
SECRET_KEY = Fernet.generate_key().decode()  # one deployment: one key for every test here


@pytest.fixture
def settings(service_settings: Settings) -> Settings:
    return service_settings.model_copy(
        update={
            "secret_key": SecretStr(SECRET_KEY),
            "embedded_beat_seconds": 0,
            "webhook_allow_private": True,  # the receivers listen on 127.0.0.1 (SSRF guard, #14)
        }
    )


@pytest.fixture
def tenant(settings: Settings, tenant_id: str) -> str:
    return make_tenant(settings.database_url, tenant_id)


def _endpoint(settings: Settings, tenant: str, url: str, events: list[str]) -> tuple[int, str]:
    with tenant_session(settings.database_url, tenant) as session:
        endpoint, secret = add_endpoint(session, settings, tenant, url, events)
        return endpoint.id, secret


def _events(settings: Settings, tenant: str, n: int, first: int = 0) -> None:
    with tenant_session(settings.database_url, tenant) as session:
        for i in range(first, first + n):
            enqueue_event(session, tenant, "run.failed", {"run_id": i, "workflow": "deploy"})


def _endpoint_row(settings: Settings, tenant: str, endpoint_id: int) -> WebhookEndpoint:
    with tenant_session(settings.database_url, tenant) as session:
        endpoint = get_endpoint(session, endpoint_id)
        assert endpoint is not None
        return endpoint


def _verified(secret: str, requests: list[Received]) -> list[dict]:
    """Every request verifies with the standardwebhooks library; returns the bodies."""
    hook = Webhook(secret)
    return [hook.verify(r.body, r.headers) for r in requests]


def test_a_burst_during_a_short_outage_does_not_disable_the_endpoint(
    settings: Settings, tenant: str
) -> None:
    """Defect: the failure streak counted attempts across events, so 10 events during a
    20 s outage disabled the endpoint and their deliveries became `skipped`."""
    with Receiver([503]) as rx:
        endpoint_id, secret = _endpoint(settings, tenant, rx.url, ["run.failed"])
        _events(settings, tenant, 10)
        for second in range(0, 21, 2):
            drain(settings, now=T0 + timedelta(seconds=second))
        assert len(rx.requests) >= 20  # every event failed at least twice
        assert _endpoint_row(settings, tenant, endpoint_id).enabled
        rx.statuses = [200]  # the receiver is back
        for second in range(21, 200, 5):
            drain(settings, now=T0 + timedelta(seconds=second))
    delivered = [r for r in rx.requests[-10:]]
    assert sorted(b["data"]["run_id"] for b in _verified(secret, delivered)) == list(range(10))
    endpoint = _endpoint_row(settings, tenant, endpoint_id)
    assert endpoint.enabled and endpoint.failing_since is None
    with tenant_session(settings.database_url, tenant) as session:
        assert set(session.scalars(select(WebhookDelivery.status))) == {"delivered"}


def test_a_backlog_elsewhere_does_not_delay_this_tenants_retries(
    settings: Settings, tenant: str
) -> None:
    """Defect (found as a test-order dependency): one drain pass took 100 events and 50 due
    deliveries, oldest first, so another tenant's backlog at a dead receiver pushed this
    tenant's first attempts and retries out by minutes. A drain now works until nothing
    that is due is left (bounded per pass)."""
    other = make_tenant(settings.database_url, f"{tenant}-other")
    with Receiver([503]) as dead, Receiver([503]) as rx:
        other_endpoint, _ = _endpoint(settings, other, dead.url, ["run.failed"])
        _events(settings, other, 400)
        _endpoint(settings, tenant, rx.url, ["run.failed"])
        _events(settings, tenant, 10)
        for second in range(0, 21, 2):
            drain(settings, now=T0 + timedelta(seconds=second))
        assert len(rx.requests) >= 20  # every event of ours failed at least twice
        assert len(dead.requests) >= 800
    with tenant_session(settings.database_url, other) as session:
        endpoint = get_endpoint(session, other_endpoint)
        assert endpoint is not None
        set_enabled(session, endpoint, False)  # its backlog is not the next test's business


def test_a_tick_starts_no_new_batch_after_its_time_budget(
    settings: Settings, tenant: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow receiver makes every batch take long; the drain must still end its tick
    (the next tick carries on) instead of working through the whole backlog at once."""
    from integrations.webhooks_out import worker

    monkeypatch.setattr(worker, "DRAIN_SECONDS", 0.5)
    with Receiver([200], delay=0.2) as rx:
        endpoint_id, _ = _endpoint(settings, tenant, rx.url, ["run.failed"])
        _events(settings, tenant, 120)
        drain(settings, now=T0)
        after_one = len(rx.requests)  # one batch (other tests' leftovers may share it)
        assert 0 < after_one <= 50
        drain(settings, now=T0 + timedelta(seconds=1))
        assert after_one < len(rx.requests) <= after_one + 50  # the next tick carries on
    with tenant_session(settings.database_url, tenant) as session:
        endpoint = get_endpoint(session, endpoint_id)
        assert endpoint is not None
        set_enabled(session, endpoint, False)  # the rest is not the next test's business


def test_disabled_only_after_a_day_of_failures_and_held_events_go_out_on_enable(
    settings: Settings, tenant: str
) -> None:
    """Defect: pending deliveries of a disabled endpoint became `skipped` and were never
    sent after `endpoint-enable`."""
    fast = settings.model_copy(update={"webhook_retry_jitter": 0.0})
    with Receiver([503]) as rx:
        endpoint_id, secret = _endpoint(fast, tenant, rx.url, ["run.failed"])
        _events(fast, tenant, 3)
        hours = 0.0
        while hours < 23.5:
            drain(fast, now=T0 + timedelta(hours=hours))
            hours += 0.25
        assert _endpoint_row(fast, tenant, endpoint_id).enabled  # 23.5 h of failures: still on
        drain(fast, now=T0 + timedelta(hours=24, minutes=1))
        drain(fast, now=T0 + timedelta(hours=24, minutes=2))
        endpoint = _endpoint_row(fast, tenant, endpoint_id)
        assert not endpoint.enabled and endpoint.disabled_at is not None
        _events(fast, tenant, 1, first=3)  # acknowledged while the endpoint is off: held, not sent
        sent = len(rx.requests)
        drain(fast, now=T0 + timedelta(hours=30))
        assert len(rx.requests) == sent
        with tenant_session(fast.database_url, tenant) as session:
            statuses = sorted(session.scalars(select(WebhookDelivery.status)))
        assert "skipped" not in statuses and statuses.count("pending") >= 1

        rx.statuses = [200]
        with tenant_session(fast.database_url, tenant) as session:
            endpoint = get_endpoint(session, endpoint_id)
            assert endpoint is not None
            set_enabled(session, endpoint, True, now=T0 + timedelta(hours=48))
        drain(fast, now=T0 + timedelta(hours=48))
        ok = [r for r in rx.requests[sent:]]
    bodies = _verified(secret, ok)
    # the held event arrived; events whose own 24 h window ran out while the endpoint
    # was still on are failed and can be re-sent with `bmad webhooks replay`
    assert [b["data"]["run_id"] for b in bodies] == [3]
    with tenant_session(fast.database_url, tenant) as session:
        assert "pending" not in set(session.scalars(select(WebhookDelivery.status)))


def test_replay_resends_with_the_same_webhook_id(settings: Settings, tenant: str) -> None:
    with Receiver([200]) as rx:
        _, secret = _endpoint(settings, tenant, rx.url, ["run.failed"])
        _events(settings, tenant, 2)
        drain(settings, now=T0)
        first = {r.headers["webhook-id"] for r in rx.requests}
        assert len(first) == 2
        with tenant_session(settings.database_url, tenant) as session:
            queued = replay(session, tenant, since=datetime.now(UTC) - timedelta(hours=1), now=T0)
        assert queued == 2
        drain(settings, now=T0 + timedelta(seconds=1))
        assert len(rx.requests) == 4
        assert {r.headers["webhook-id"] for r in rx.requests[2:]} == first
        _verified(secret, rx.requests)


def _run_events(
    settings: Settings, tenant: str, service: WorkflowService, rx: Receiver, secret: str
) -> list[dict]:
    drain(settings, now=datetime.now(UTC))
    bodies = _verified(secret, rx.requests)
    for body in bodies:
        validate_payload(body["type"], body["data"])  # matches the published catalogue
    return sorted(bodies, key=lambda b: datetime.fromisoformat(b["timestamp"]))


ALL = [
    "run.started",
    "run.step_succeeded",
    "run.waiting_approval",
    "run.approved",
    "run.rejected",
    "run.cancelled",
    "run.succeeded",
    "run.failed",
]


def test_cancel_approve_and_reject_emit_their_events(settings: Settings, tenant: str) -> None:
    """Defect: cancelling a run emitted no event."""
    with tenant_session(settings.database_url, tenant) as session:
        set_role(session, tenant, "U-admin", Role.admin)
    service = WorkflowService(settings)
    with Receiver([200]) as rx:
        _, secret = _endpoint(settings, tenant, rx.url, ALL)
        runs = [
            service.start(
                tenant_id=tenant,
                workflow="production_deploy",
                inputs={"service": "billing", "environment": "production"},
                conversation_key=f"{tenant}:api:c{i}",
                user_id="U-member",
            )
            for i in range(3)
        ]
        service.wait_settled(tenant, [r.id for r in runs], timeout=60)
        service.cancel(tenant, runs[0].id, "U-member")
        service.reject(tenant, runs[1].id, "U-admin", "not during the freeze")
        service.approve(tenant, runs[2].id, "U-admin")
        service.wait_settled(tenant, [r.id for r in runs], timeout=60)
        bodies = _run_events(settings, tenant, service, rx, secret)
    by_run: dict[str, list[str]] = {}
    for body in bodies:
        by_run.setdefault(body["data"]["run_id"], []).append(body["type"])
    cancelled, rejected, approved = (by_run[r.public_id] for r in runs)
    head = ["run.started", "run.step_succeeded", "run.waiting_approval"]
    assert cancelled == [*head, "run.cancelled"]
    assert rejected == [*head, "run.rejected", "run.cancelled"]
    assert approved[:4] == [*head, "run.approved"] and approved[-1] == "run.succeeded"
    cancel = next(b for b in bodies if b["type"] == "run.cancelled")
    assert cancel["data"]["actor"] == "U-member" and cancel["tenant"] == tenant
    decisions = {
        b["type"]: b["data"] for b in bodies if b["type"] in ("run.rejected", "run.approved")
    }
    assert decisions["run.rejected"]["reason"] == "not during the freeze"
    assert decisions["run.approved"]["reason"] is None


def test_receiver_down_60s_during_8_runs_gets_every_event_without_manual_steps(
    settings: Settings, tenant: str
) -> None:
    """Done when: a receiver down for 60 s during 8 runs gets every event after it
    recovers, with no manual step, and the endpoint stays enabled."""
    service = WorkflowService(settings)
    with Receiver([503]) as rx:
        endpoint_id, secret = _endpoint(settings, tenant, rx.url, ALL)
        runs = [
            service.start(
                tenant_id=tenant,
                workflow="single_task",
                inputs={"agent": "product_owner", "task": "write_user_story", "feature": f"f{i}"},
                conversation_key=f"{tenant}:api:burst{i}",
                user_id="U1",
            )
            for i in range(8)
        ]
        service.wait_settled(tenant, [r.id for r in runs], timeout=120)
        for second in range(0, 60, 3):  # down for 60 s
            drain(settings, now=T0 + timedelta(seconds=second))
        failed_attempts = len(rx.requests)
        rx.statuses = [200]
        for second in range(60, 400, 5):
            drain(settings, now=T0 + timedelta(seconds=second))
        ok = rx.requests[failed_attempts:]
    assert failed_attempts >= 24
    bodies = _verified(secret, ok)
    got = {(b["data"]["run_id"], b["type"]) for b in bodies}
    expected = {
        (r.public_id, t)
        for r in runs
        for t in ("run.started", "run.step_succeeded", "run.succeeded")
    }
    assert got == expected and len(bodies) == len(expected)  # each once after recovery
    assert _endpoint_row(settings, tenant, endpoint_id).enabled
    for body in bodies:
        validate_payload(body["type"], body["data"])
    assert all(json.loads(r.body)["id"] == r.headers["webhook-id"] for r in ok)


def test_real_poller_delivers_everything_after_an_outage_with_a_fast_schedule(
    settings: Settings, tenant: str
) -> None:
    """The same done-when on the wall clock: the embedded poller thread, a receiver down
    for a few seconds (the schedule is configurable, so the test does not take minutes)."""
    fast = settings.model_copy(
        update={
            "webhook_poll_seconds": 0.2,
            "webhook_retry_schedule": [0.5, 1.0, 2.0],
            "webhook_disable_after": 3600,
        }
    )
    service = WorkflowService(fast)
    poller = EmbeddedScheduler(fast, ["webhooks-outbox-drain"])  # what `bmad serve` runs
    with Receiver([503]) as rx:
        endpoint_id, secret = _endpoint(fast, tenant, rx.url, ["run.started", "run.succeeded"])
        poller.start()
        try:
            runs = [
                service.start(
                    tenant_id=tenant,
                    workflow="single_task",
                    inputs={"agent": "product_owner", "task": "write_user_story", "feature": "x"},
                    conversation_key=f"{tenant}:api:rt{i}",
                    user_id="U1",
                )
                for i in range(8)
            ]
            service.wait_settled(tenant, [r.id for r in runs], timeout=120)
            wait_until(lambda: len(rx.requests) >= 32, 60, "32 failed deliveries")  # still down
            failed = len(rx.requests)
            rx.statuses = [200]  # recovered; nobody touches anything from here
            expected = {(r.public_id, t) for r in runs for t in ("run.started", "run.succeeded")}

            def got() -> set[tuple[str, str]]:
                ok = rx.requests[failed:]
                return {(b["data"]["run_id"], b["type"]) for b in _verified(secret, ok)}

            wait_until(lambda: got() >= expected, 60, "every event delivered")
        finally:
            poller.stop()
    assert _endpoint_row(fast, tenant, endpoint_id).enabled
