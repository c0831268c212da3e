"""Celery task and beat entry that drain the webhook outbox in production."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from integrations.settings import get_settings
from integrations.webhooks_out.worker import drain

TASK_NAME = "bmad.webhooks_out.drain"
BEAT_SECONDS = 5.0


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


def beat_entries() -> dict[str, dict[str, Any]]:
    return {"webhooks-outbox-drain": {"task": TASK_NAME, "schedule": BEAT_SECONDS}}
