"""Email through the outbox and the real sendgrid SDK, against the local fake SendGrid API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time
from pydantic import SecretStr
from sqlalchemy import select

from integrations.db.models import OutboxEvent
from integrations.db.session import tenant_session
from integrations.email.delivery import deliver_pending_emails
from integrations.email.outbox import queue_email
from tests.conftest import make_tenant
from tests.fakes.sendgrid_api import FakeSendGrid

pytestmark = pytest.mark.integration


@pytest.fixture
def sendgrid():  # type: ignore[no-untyped-def]
    with FakeSendGrid() as server:
        yield server


def _settings(base, sendgrid):  # type: ignore[no-untyped-def]
    return base.model_copy(
        update={
            "sendgrid_api_key": SecretStr("SG.test"),
            "sendgrid_api_host": sendgrid.base_url,
            "email_from": "bmad@example.com",
        }
    )


def _queue(settings, tenant_id: str, to: str, lang: str = "en"):  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, tenant_id) as session:
        event = queue_email(
            session,
            tenant_id,
            to=to,
            template="approval_request",
            lang=lang,
            context={
                "title": "Deploy checkout to production",
                "run_id": 42,
                "approval_role": "admin",
                "text": "DevOps wants to deploy <checkout> 1.4.2.",
                "thread_url": "https://slack.com/archives/C1/p1700000000000100",
            },
        )
        return event.id if event else None


def _status(settings, tenant_id: str, event_id: int) -> OutboxEvent:  # type: ignore[no-untyped-def]
    with tenant_session(settings.database_url, tenant_id) as session:
        return session.scalars(select(OutboxEvent).where(OutboxEvent.id == event_id)).one()


def test_approval_email_is_sent_through_sendgrid(service_settings, tenant_id, sendgrid):  # type: ignore[no-untyped-def]
    settings = _settings(service_settings, sendgrid)
    make_tenant(settings.database_url, tenant_id)
    event_id = _queue(settings, tenant_id, "Approver@Example.com", lang="nl")
    report = deliver_pending_emails(settings)
    assert report.sent >= 1
    assert _status(settings, tenant_id, event_id).status == "sent"
    mine = [m for m in sendgrid.messages if m["custom_args"]["bmad_outbox_id"] == str(event_id)]
    assert len(mine) == 1
    message = mine[0]
    assert message["personalizations"][0]["to"] == [{"email": "approver@example.com"}]
    assert message["subject"].startswith("[BMAD] Goedkeuring nodig")
    kinds = {c["type"]: c["value"] for c in message["content"]}
    assert "https://slack.com/archives/C1/p1700000000000100" in kinds["text/plain"]
    assert "&lt;checkout&gt;" in kinds["text/html"]  # HTML is escaped, text is not
    assert sendgrid.headers[-1]["authorization"] == "Bearer SG.test"
    # Sent once: a second pass finds nothing to do for this event.
    deliver_pending_emails(settings)
    assert (
        len([m for m in sendgrid.messages if m["custom_args"]["bmad_outbox_id"] == str(event_id)])
        == 1
    )


def test_failures_are_retried_with_backoff(service_settings, tenant_id, sendgrid):  # type: ignore[no-untyped-def]
    settings = _settings(service_settings, sendgrid)
    make_tenant(settings.database_url, tenant_id)
    event_id = _queue(settings, tenant_id, "ops@example.com")
    sendgrid.fail_next(503, to="ops@example.com")
    start = datetime.now(UTC)
    with freeze_time(start):
        deliver_pending_emails(settings)
    event = _status(settings, tenant_id, event_id)
    assert (event.status, event.attempts) == ("pending", 1)
    with freeze_time(start + timedelta(seconds=5)):
        deliver_pending_emails(settings)  # not due yet
    assert _status(settings, tenant_id, event_id).attempts == 1
    with freeze_time(start + timedelta(minutes=2)):
        deliver_pending_emails(settings)
    event = _status(settings, tenant_id, event_id)
    assert (event.status, event.attempts) == ("sent", 2)


def test_a_refused_email_is_not_retried(service_settings, tenant_id, sendgrid):  # type: ignore[no-untyped-def]
    settings = _settings(service_settings, sendgrid)
    make_tenant(settings.database_url, tenant_id)
    event_id = _queue(settings, tenant_id, "ops@example.com")
    sendgrid.fail_next(400, to="ops@example.com")
    deliver_pending_emails(settings)
    assert _status(settings, tenant_id, event_id).status == "failed"


def test_a_malformed_event_fails_alone(service_settings, tenant_id, sendgrid):  # type: ignore[no-untyped-def]
    """A queued row without a recipient must not block the emails queued after it."""
    from integrations.db.events import enqueue_event
    from integrations.email.outbox import EMAIL_EVENT

    settings = _settings(service_settings, sendgrid)
    make_tenant(settings.database_url, tenant_id)
    with tenant_session(settings.database_url, tenant_id) as session:
        broken = enqueue_event(session, tenant_id, EMAIL_EVENT, {"template": "approval_request"})
        session.flush()
        broken_id = broken.id
    good_id = _queue(settings, tenant_id, "ops@example.com")
    deliver_pending_emails(settings)
    assert _status(settings, tenant_id, broken_id).status == "failed"
    assert _status(settings, tenant_id, good_id).status == "sent"
