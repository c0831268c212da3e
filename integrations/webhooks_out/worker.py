"""Run the outbound pipeline: fan out pending events, then deliver what is due.

`drain()` is one pass; production runs it from a Celery beat task, the embedded default
from `OutboxPoller` (a daemon thread started with the HTTP app), and tests call it with an
explicit `now` to step through the backoff schedule.
"""

from __future__ import annotations

import threading
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


class OutboxPoller:
    """Embedded-mode stand-in for beat: drains every `webhook_poll_seconds`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self.settings.webhook_delivery_timeout + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.webhook_poll_seconds):
            try:
                drain(self.settings)
            except Exception:  # keep polling: a bad row or a DB blip must not stop delivery
                log.exception("outbox_poll_failed")
