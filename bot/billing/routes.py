"""The billing HTTP edges as one router for the app: the Stripe and SendGrid webhooks and
the upgrade pages, each in its own module.

Embedded mode has no beat: this router's lifespan delivers emails and admin DMs from a
thread of the web process.
"""

from __future__ import annotations

from fastapi import APIRouter

from agents.workflows.schedule import poll_scheduler
from bot.billing import pages, sendgrid_webhook, stripe_webhook
from bot.pollers import embedded_poller_lifespan

router = APIRouter(
    tags=["billing"], lifespan=embedded_poller_lifespan(poll_scheduler(["billing-deliver-emails"]))
)
for part in (stripe_webhook.router, sendgrid_webhook.router, pages.router):
    router.include_router(part)
