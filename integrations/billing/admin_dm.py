"""Deliver `slack.admin_dm` outbox events: the quota warnings as Slack DMs to admins.

Same outbox discipline as email: written with the change, delivered here with retries
(`FOR UPDATE SKIP LOCKED`, back-off); a team without a bot token is skipped, not retried.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel
from slack_sdk.errors import SlackApiError

from integrations.billing.texts import render_text
from integrations.billing.thresholds import SLACK_DM_EVENT
from integrations.db.models import OutboxEvent
from integrations.db.outbox import claim_due_events, retry_or_fail
from integrations.db.session import admin_session
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.installations import bot_token_for
from integrations.slack.outbound import slack_outbound

log = get_logger(__name__)
MAX_ATTEMPTS = 6
BASE_DELAY = 30


class DmReport(BaseModel):
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0


def deliver_admin_dms(settings: Settings, limit: int = 50) -> DmReport:
    report = DmReport()
    now = datetime.now(UTC)
    with admin_session(settings.database_url) as session:
        for event in claim_due_events(session, settings.database_url, SLACK_DM_EVENT, now, limit):
            _deliver(settings, event, now, report)
    return report


def _deliver(settings: Settings, event: OutboxEvent, now: datetime, report: DmReport) -> None:
    token = bot_token_for(settings, event.tenant_id)
    users = [u for u in event.payload.get("users", []) if u]
    if not token or not users:
        event.status = "skipped"
        report.skipped += 1
        return
    text = render_text(
        event.payload.get("reply", "quota_warning"),
        event.payload.get("lang", "en"),
        **event.payload.get("facts", {}),
    )
    out = slack_outbound(settings, event.tenant_id, token)
    done = set(event.payload.get("done", []))
    event.attempts += 1
    try:
        for user in users:
            if user not in done:
                out.post(user, text)  # a user id as channel: the app's DM with that user
                done.add(user)
    except (SlackApiError, OSError) as err:
        event.payload = {**event.payload, "done": sorted(done)}
        if retry_or_fail(event, now, max_attempts=MAX_ATTEMPTS, base_delay=BASE_DELAY):
            report.retrying += 1
        else:
            report.failed += 1
        log.warning("admin_dm_failed", tenant_id=event.tenant_id, error=type(err).__name__)
        return
    event.status = "sent"
    report.sent += 1
