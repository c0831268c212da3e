"""Celery task of data protection: the retention purge.

Registered by name (its historical name `bmad.billing.retention_purge` is kept, so beat
entries and queued messages of a previous release still find it); when it runs is in the
schedule table (`agents.schedule_table.SCHEDULE`). Idempotent, so a duplicate run is harmless.
"""

from __future__ import annotations

from celery import shared_task

from integrations.privacy.retention import purge_expired
from integrations.settings import get_settings

RETENTION_PURGE = "bmad.billing.retention_purge"


@shared_task(name=RETENTION_PURGE, ignore_result=True)
def retention_purge() -> dict[str, int]:
    return purge_expired(get_settings()).model_dump()
