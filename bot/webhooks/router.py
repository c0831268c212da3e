"""All inbound webhook routes, plus the embedded outbox poller tied to the app's lifespan."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from bot.webhooks import alertmanager, generic, github
from integrations.webhooks_out.worker import OutboxPoller


@asynccontextmanager
async def _outbox_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Embedded mode has no beat: deliver outbound webhooks from a thread in this process."""
    settings = app.state.settings
    poller = None
    if settings.queue == "eager" and settings.webhook_poll_seconds > 0:
        poller = OutboxPoller(settings)
        poller.start()
    try:
        yield
    finally:
        if poller is not None:
            poller.stop()


def build_router() -> APIRouter:
    router = APIRouter(lifespan=_outbox_lifespan)
    for module in (generic, github, alertmanager):
        router.include_router(module.router)
    return router
