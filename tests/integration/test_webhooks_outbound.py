"""Outbound webhooks: transactional outbox -> signed delivery, backoff, log, auto-disable."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from agents.workflows.service import WorkflowService
from integrations.db.events import enqueue_event
from integrations.db.models import (
    OutboxEvent,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from integrations.db.session import tenant_session
from integrations.settings import Settings
from integrations.webhooks_out.endpoints import EndpointError, add_endpoint
from integrations.webhooks_out.probe import send_test_event
from integrations.webhooks_out.worker import drain
from tests.conftest import make_tenant
from tests.unit.webhooks.receiver import Receiver

pytestmark = pytest.mark.integration
T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)


# The worker drains every tenant of the shared test database, so all tests here encrypt
# endpoint secrets under one key (as one deployment does).
SECRET_KEY = Fernet.generate_key().decode()


@pytest.fixture
def service_settings(service_settings: Settings) -> Settings:
    # local receivers on 127.0.0.1: the SSRF guard is off for these tests only
    return service_settings.model_copy(
        update={
            "secret_key": SecretStr(SECRET_KEY),
            "webhook_allow_private": True,
            "webhook_retry_jitter": 0.0,
        }
    )


@pytest.fixture
def tenant(service_settings: Settings, tenant_id: str) -> str:
    return make_tenant(service_settings.database_url, tenant_id)


def _endpoint(settings: Settings, tenant: str, url: str, events: list[str]) -> tuple[int, str]:
    with tenant_session(settings.database_url, tenant) as session:
        endpoint, secret = add_endpoint(session, settings, tenant, url, events)
        return endpoint.id, secret


def _event(settings: Settings, tenant: str, event_type: str = "run.failed") -> int:
    with tenant_session(settings.database_url, tenant) as session:
        event = enqueue_event(session, tenant, event_type, {"run_id": 7, "workflow": "deploy"})
        session.flush()
        return event.id


def _attempts(settings: Settings, tenant: str) -> list[WebhookAttempt]:
    with tenant_session(settings.database_url, tenant) as session:
        return list(session.scalars(select(WebhookAttempt).order_by(WebhookAttempt.id)))


@pytest.fixture
def flaky() -> Iterator[Receiver]:
    with Receiver([500, 500, 200]) as rx:
        yield rx


def test_fails_twice_then_delivered_once(
    service_settings: Settings, tenant: str, flaky: Receiver
) -> None:
    endpoint_id, secret = _endpoint(service_settings, tenant, flaky.url, ["run.failed"])
    event_id = _event(service_settings, tenant)

    drain(service_settings, now=T0)  # attempt 1: 500
    drain(service_settings, now=T0 + timedelta(seconds=3))  # not due yet: nothing sent
    assert len(flaky.requests) == 1
    drain(service_settings, now=T0 + timedelta(seconds=6))  # attempt 2 (after 5 s): 500
    drain(service_settings, now=T0 + timedelta(seconds=30))  # next is 30 s later: not due
    assert len(flaky.requests) == 2
    drain(service_settings, now=T0 + timedelta(seconds=37))  # attempt 3: 200
    drain(service_settings, now=T0 + timedelta(hours=30))  # delivered: never again
    assert len(flaky.requests) == 3

    log = _attempts(service_settings, tenant)
    assert [(a.attempt, a.status_code, a.ok) for a in log] == [
        (1, 500, False),
        (2, 500, False),
        (3, 200, True),
    ]
    with tenant_session(service_settings.database_url, tenant) as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        event = session.get(OutboxEvent, event_id)
    assert delivery.status == "delivered" and delivery.attempts == 3
    assert endpoint.consecutive_failures == 0 and endpoint.enabled
    assert event.status == "dispatched"

    last = flaky.requests[-1]
    # the receiver verifies the Standard Webhooks signature with the library and its secret
    body = Webhook(secret).verify(last.body, last.headers)
    assert last.headers["webhook-id"] == event.public_id == body["id"]
    assert re.fullmatch(r"evt_[0-9a-f]{32}", event.public_id)  # not the row number
    assert body["type"] == "run.failed" and body["tenant"] == tenant
    assert body["data"] == {"run_id": 7, "workflow": "deploy"}
    # all three attempts carried the same message id, so the receiver can dedupe
    assert {r.headers["webhook-id"] for r in flaky.requests} == {event.public_id}


def test_only_subscribed_events_and_own_tenant(
    service_settings: Settings, tenant: str, tenant_id: str
) -> None:
    other = make_tenant(service_settings.database_url, tenant_id + "o")
    with Receiver([200]) as mine, Receiver([200]) as theirs:
        _endpoint(service_settings, tenant, mine.url, ["run.waiting_approval"])
        _endpoint(service_settings, other, theirs.url, ["run.started", "run.waiting_approval"])
        _event(service_settings, tenant, "run.started")  # not subscribed by tenant
        _event(service_settings, tenant, "run.waiting_approval")
        _event(service_settings, tenant, "email.send")  # not ours to deliver
        drain(service_settings, now=T0)
        assert [json.loads(r.body)["type"] for r in mine.requests] == ["run.waiting_approval"]
        assert theirs.requests == []
    with tenant_session(service_settings.database_url, tenant) as session:
        email = session.scalars(
            select(OutboxEvent).where(OutboxEvent.event_type == "email.send")
        ).one()
    assert email.status == "pending"  # left for the email worker


def test_gives_up_after_the_retry_window(service_settings: Settings, tenant: str) -> None:
    settings = service_settings.model_copy(update={"webhook_retry_window": 100})
    with Receiver([500]) as down:
        _endpoint(settings, tenant, down.url, ["run.failed"])
        _event(settings, tenant)
        for seconds in (0, 5, 35, 155, 3600, 90000):
            drain(settings, now=T0 + timedelta(seconds=seconds))
    with tenant_session(settings.database_url, tenant) as session:
        delivery = session.scalars(select(WebhookDelivery)).one()
    assert delivery.status == "failed"
    assert delivery.attempts == len(down.requests) == 3  # t=0, +5 s, +35 s; +155 s > 100 s


def test_outbox_row_commits_with_the_state_change_or_not_at_all(
    service_settings: Settings, tenant: str
) -> None:
    url = service_settings.database_url

    class Boom(Exception):
        pass

    with pytest.raises(Boom), tenant_session(url, tenant) as session:
        session.add(User(tenant_id=tenant, external_id="U-rolled-back", display_name="x"))
        enqueue_event(session, tenant, "run.started", {"run_id": 1})
        session.flush()
        raise Boom
    with tenant_session(url, tenant) as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(OutboxEvent)) == 0


def test_real_run_events_reach_the_endpoint(service_settings: Settings, tenant: str) -> None:
    with Receiver([200]) as rx:
        _endpoint(service_settings, tenant, rx.url, ["run.started", "run.succeeded"])
        service = WorkflowService(service_settings)
        run = service.start(
            tenant_id=tenant,
            workflow="single_task",
            inputs={"agent": "product_owner", "task": "write_user_story", "feature": "coupons"},
            conversation_key=f"{tenant}:api:outbound",
            user_id="U1",
        )
        service.wait_settled(tenant, [run.id], timeout=60)
        drain(service_settings)
        # Deliveries run in parallel, so arrival order is not guaranteed; the envelope's
        # timestamp (when the state change was written) gives the order.
        events = sorted(
            (json.loads(r.body) for r in rx.requests),
            key=lambda e: datetime.fromisoformat(e["timestamp"]),
        )
        assert [e["type"] for e in events] == ["run.started", "run.succeeded"]
        assert all(e["data"]["run_id"] == run.public_id for e in events)


def test_probe_sends_one_signed_test_event(service_settings: Settings, tenant: str) -> None:
    with Receiver([204]) as rx:
        endpoint_id, secret = _endpoint(service_settings, tenant, rx.url, ["run.failed"])
        attempt = send_test_event(service_settings, tenant, endpoint_id)
        assert attempt is not None and attempt.ok and attempt.status_code == 204
        (req,) = rx.requests
        assert Webhook(secret).verify(req.body, req.headers)["type"] == "webhook.test"


def test_endpoint_validation(service_settings: Settings, tenant: str) -> None:
    for url, events in [
        ("ftp://example.org/x", ["run.failed"]),
        ("http://127.0.0.1/x", ["run.exploded"]),
        ("http://127.0.0.1/x", []),
    ]:
        with (
            pytest.raises(EndpointError),
            tenant_session(service_settings.database_url, tenant) as session,
        ):
            add_endpoint(session, service_settings, tenant, url, events)


def test_an_unreadable_secret_does_not_block_other_deliveries(
    service_settings: Settings, tenant: str, tenant_id: str
) -> None:
    other_key = service_settings.model_copy(
        update={"secret_key": SecretStr(Fernet.generate_key().decode())}
    )
    stale = make_tenant(service_settings.database_url, tenant_id + "k")
    with Receiver([200]) as rx, Receiver([200]) as lost:
        _endpoint(other_key, stale, lost.url, ["run.failed"])  # under a key we no longer have
        _endpoint(service_settings, tenant, rx.url, ["run.failed"])
        _event(service_settings, stale)
        _event(service_settings, tenant)
        drain(service_settings, now=T0)
        assert len(rx.requests) == 1 and lost.requests == []
    with tenant_session(service_settings.database_url, stale) as session:
        assert session.scalars(select(WebhookDelivery.status)).one() == "failed"
