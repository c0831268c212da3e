"""Celery tasks of billing and its emails (the retention purge is `integrations.privacy.tasks`).

Registered by name (`bmad.billing.*`); when they run is in the one schedule table,
`agents.schedule_table.SCHEDULE`. Each task is idempotent, so a duplicate run is harmless.
"""

from __future__ import annotations

from celery import shared_task

from integrations.billing.admin_dm import deliver_admin_dms
from integrations.billing.digest import queue_weekly_digests
from integrations.billing.meter import report_usage
from integrations.email.delivery import deliver_pending_emails
from integrations.settings import get_settings

DELIVER_EMAILS = "bmad.billing.deliver_emails"
REPORT_USAGE = "bmad.billing.report_usage"
WEEKLY_DIGEST = "bmad.billing.weekly_digest"


@shared_task(name=DELIVER_EMAILS, ignore_result=True)
def deliver_emails() -> dict[str, int]:
    """Emails and the admins' Slack DMs waiting in the outbox."""
    settings = get_settings()
    dms = deliver_admin_dms(settings).model_dump()
    return {
        **deliver_pending_emails(settings).model_dump(),
        **{f"dm_{k}": v for k, v in dms.items()},
    }


@shared_task(name=REPORT_USAGE, ignore_result=True)
def report_usage_to_stripe() -> dict[str, int]:
    return report_usage(get_settings()).model_dump()


@shared_task(name=WEEKLY_DIGEST, ignore_result=True)
def weekly_digest() -> int:
    return queue_weekly_digests(get_settings())
