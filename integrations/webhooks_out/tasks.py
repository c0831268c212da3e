"""Celery task that drains the webhook outbox in production (when: agents/schedule_table.py)."""

from __future__ import annotations

from celery import shared_task

from integrations.settings import get_settings
from integrations.webhooks_out.worker import drain

TASK_NAME = "bmad.webhooks_out.drain"


@shared_task(name=TASK_NAME, ignore_result=True)
def drain_outbox() -> dict[str, int]:
    report = drain(get_settings())
    d = report.deliveries
    return {
        "dispatched": report.dispatched,
        "delivered": d.delivered,
        "retrying": d.retrying,
        "failed": d.failed,
    }
