"""Celery tasks and beat entries of billing, email and data protection.

Registered by name (`bmad.billing.*`); when they run is in the one schedule table,
`agents.schedule.SCHEDULE`. Each task is idempotent, so a duplicate run is harmless.
"""

from __future__ import annotations

from celery import shared_task

from integrations.billing.admin_dm import deliver_admin_dms
from integrations.billing.meter import report_usage
from integrations.email.delivery import deliver_pending_emails
from integrations.email.digest import queue_weekly_digests
from integrations.privacy.retention import purge_expired
from integrations.settings import get_settings

DELIVER_EMAILS = "bmad.billing.deliver_emails"
REPORT_USAGE = "bmad.billing.report_usage"
RETENTION_PURGE = "bmad.billing.retention_purge"
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


@shared_task(name=RETENTION_PURGE, ignore_result=True)
def retention_purge() -> dict[str, int]:
    return purge_expired(get_settings()).model_dump()


@shared_task(name=WEEKLY_DIGEST, ignore_result=True)
def weekly_digest() -> int:
    return queue_weekly_digests(get_settings())
