"""All inbound webhook routes, plus the embedded outbox poller tied to the app's lifespan."""

from __future__ import annotations

from fastapi import APIRouter

from agents.workflows.schedule import poll_scheduler
from bot.pollers import embedded_poller_lifespan
from bot.webhooks import alertmanager, generic, github


def build_router() -> APIRouter:
    # Embedded mode has no beat: deliver outbound webhooks from a thread in this process.
    router = APIRouter(lifespan=embedded_poller_lifespan(poll_scheduler(["webhooks-outbox-drain"])))
    for module in (generic, github, alertmanager):
        router.include_router(module.router)
    return router
