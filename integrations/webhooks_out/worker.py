"""Run the outbound pipeline: fan out pending events, then deliver what is due.

`drain()` works batch after batch until nothing due is left, but starts no new batch after
`DRAIN_SECONDS` (a slow receiver can make one batch take a request timeout or more, and a
tick must end): with one batch per tick, another tenant's backlog at a dead receiver would
push everyone's first attempts and retries out by minutes.
Production runs it from a Celery beat task, the embedded default
from the HTTP app's scheduler thread (both from `agents.schedule_table.SCHEDULE`), and tests
call it with an explicit `now` to step through the backoff schedule.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx

from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.webhooks_out.deliver import BATCH as DELIVERY_BATCH
from integrations.webhooks_out.deliver import DeliveryReport, deliver_due
from integrations.webhooks_out.dispatch import BATCH as DISPATCH_BATCH
from integrations.webhooks_out.dispatch import dispatch_pending

log = get_logger(__name__)
DRAIN_SECONDS = 20.0


@dataclass
class DrainReport:
    dispatched: int
    deliveries: DeliveryReport


def drain(
    settings: Settings, now: datetime | None = None, client: httpx.Client | None = None
) -> DrainReport:
    now = now or datetime.now(UTC)
    stop_at = time.monotonic() + DRAIN_SECONDS
    dispatched = 0
    while True:  # each pass marks its events dispatched: the next one takes new ones
        events, created = dispatch_pending(settings, now)
        dispatched += created
        if events < DISPATCH_BATCH or time.monotonic() > stop_at:
            break
    deliveries = DeliveryReport()
    while True:  # each pass leases or reschedules its rows past `now`
        one_pass = deliver_due(settings, now, client)
        deliveries.add(one_pass)
        if one_pass.claimed < DELIVERY_BATCH or time.monotonic() > stop_at:
            break
    return DrainReport(dispatched, deliveries)
