"""FastAPI application factory: one app, routers added by each edge."""

from __future__ import annotations

from fastapi import FastAPI

from bot import health, warmup
from bot.api.router import build_router as build_api_router
from bot.billing.webhooks import router as billing_router
from bot.errors import install_error_handlers
from bot.http_metrics import RecordMetrics
from bot.limits import BodySizeLimit
from bot.webhooks.router import build_router as build_webhooks_router
from integrations.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="BMAD chat-ops assistant", version="0.1.0")
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(warmup.router)
    app.include_router(build_webhooks_router())
    app.include_router(build_api_router())
    app.include_router(billing_router)
    if settings.slack_signing_secret is not None:  # never accept unsigned Slack requests
        from bot.slack.wiring import mount_slack

        mount_slack(app, settings)
    app.add_middleware(RecordMetrics)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    return app
