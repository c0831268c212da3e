"""Embedded-mode stand-in for beat: deliver queued emails and admin DMs from a thread.

Production runs `bmad.billing.deliver_emails` from Celery beat; the embedded default has
no beat, so the HTTP app starts this poller (every `webhook_poll_seconds`).
"""

from __future__ import annotations

import threading

from integrations.billing.admin_dm import deliver_admin_dms
from integrations.email.delivery import deliver_pending_emails
from integrations.observability.logging import get_logger
from integrations.settings import Settings

log = get_logger(__name__)


def deliver_once(settings: Settings) -> None:
    deliver_pending_emails(settings)
    deliver_admin_dms(settings)


class NotificationPoller:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="billing-poller", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.settings.webhook_poll_seconds):
            try:
                deliver_once(self.settings)
            except Exception:  # keep polling: one bad row or a DB blip must not stop delivery
                log.exception("billing_poll_failed")
