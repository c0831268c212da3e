"""Deliver queued `email.send` outbox events, with retries and exponential back-off.

Rows are claimed with `FOR UPDATE SKIP LOCKED` (PostgreSQL), so several workers can run
this at once without sending an email twice. Suppressed addresses are checked again at
send time: an address can be suppressed after the email was queued.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from python_http_client.exceptions import HTTPError

from integrations.db.models import OutboxEvent
from integrations.db.outbox import claim_due_events, retry_or_fail
from integrations.db.session import admin_session
from integrations.email import sender
from integrations.email.outbox import EMAIL_EVENT
from integrations.email.suppression import is_suppressed
from integrations.observability.logging import get_logger
from integrations.observability.metrics import EMAILS_SENT
from integrations.settings import Settings

log = get_logger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY = 30  # seconds; doubles per attempt: 30 s, 1 min, 2 min ... about 1 h at the end


class DeliveryReport(BaseModel):
    sent: int = 0
    suppressed: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_pending_emails(settings: Settings, limit: int = 50) -> DeliveryReport:
    report = DeliveryReport()
    if settings.sendgrid_api_key is None:
        return report  # not configured: emails stay queued, nothing is marked failed
    now = datetime.now(UTC)
    with admin_session(settings.database_url) as session:
        for event in claim_due_events(session, settings.database_url, EMAIL_EVENT, now, limit):
            if is_suppressed(session, event.payload.get("to", "")):
                event.status = "suppressed"
                report.suppressed += 1
                EMAILS_SENT.labels(event.payload.get("template", "?"), "suppressed").inc()
                continue
            _attempt(settings, event, now, report)
    return report


def _attempt(settings: Settings, event: OutboxEvent, now: datetime, report: DeliveryReport) -> None:
    template = event.payload.get("template", "?")
    event.attempts += 1
    try:
        sender.send(settings, event.payload, event.id)
    except (KeyError, TypeError, ValueError) as err:
        # A malformed row can never be sent: fail it alone instead of rolling back the pass
        # (which would block every email queued behind it).
        event.status = "failed"
        report.failed += 1
        EMAILS_SENT.labels(template, "failed").inc()
        log.error("email_payload_invalid", outbox_id=event.id, error=type(err).__name__)
        return
    except (HTTPError, OSError, sender.EmailNotConfigured) as err:
        status = getattr(err, "status_code", None)
        permanent = isinstance(status, int) and 400 <= status < 500 and status != 429
        retrying = retry_or_fail(
            event, now, max_attempts=MAX_ATTEMPTS, base_delay=BASE_DELAY, permanent=permanent
        )
        if retrying:
            report.retrying += 1
            EMAILS_SENT.labels(template, "retry").inc()
        else:
            report.failed += 1
            EMAILS_SENT.labels(template, "failed").inc()
        log.warning(
            "email_send_failed",
            outbox_id=event.id,
            template=template,
            attempts=event.attempts,
            http_status=status,
            error=type(err).__name__,
        )
        return
    event.status = "sent"
    report.sent += 1
    EMAILS_SENT.labels(template, "sent").inc()
