"""Tie an embedded-mode poller to the HTTP app's lifespan.

Embedded mode (`queue == "eager"`) has no Celery beat, so the outbox deliverers (outbound
webhooks, emails and admin DMs) run from a scheduler thread started and stopped with the
app; `webhook_poll_seconds <= 0` turns it off (tests drive delivery themselves). The other
jobs of `agents.schedule_table.SCHEDULE` run in the process-wide embedded beat, started here
too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Protocol

from fastapi import FastAPI

from agents.workflows.embedded_beat import start_embedded_beat
from integrations.settings import Settings


class Poller(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


def embedded_poller_lifespan(
    make_poller: Callable[[Settings], Poller],
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A router lifespan that runs `make_poller(settings)` while the app is up (embedded only)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = app.state.settings
        poller = None
        if settings.queue == "eager":
            # The process-wide embedded beat (sweeps, approvals, metering, retention purge,
            # digest) starts with the server, not only once a workflow service exists.
            start_embedded_beat(settings)
        if settings.queue == "eager" and settings.webhook_poll_seconds > 0:
            poller = make_poller(settings)
            poller.start()
        try:
            yield
        finally:
            if poller is not None:
                poller.stop()

    return lifespan
