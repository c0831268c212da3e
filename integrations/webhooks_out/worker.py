"""Run the outbound pipeline: fan out pending events, then deliver what is due.

`drain()` is one pass; production runs it from a Celery beat task, the embedded default
from the HTTP app's scheduler thread (both from `agents.schedule.SCHEDULE`), and tests call
it with an explicit `now` to step through the backoff schedule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.webhooks_out.deliver import DeliveryReport, deliver_due
from integrations.webhooks_out.dispatch import dispatch_pending

log = get_logger(__name__)


@dataclass
class DrainReport:
    dispatched: int
    deliveries: DeliveryReport


def drain(
    settings: Settings, now: datetime | None = None, client: httpx.Client | None = None
) -> DrainReport:
    now = now or datetime.now(UTC)
    dispatched = dispatch_pending(settings, now)
    return DrainReport(dispatched, deliver_due(settings, now, client))
