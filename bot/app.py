"""FastAPI application factory: one app, routers added by each edge."""

from __future__ import annotations

from fastapi import FastAPI

from bot import health, warmup
from bot.access_log import AccessLog
from bot.api.router import build_router as build_api_router
from bot.ascii_headers import AsciiHeaders
from bot.billing.routes import router as billing_router
from bot.console_web.wiring import install_console
from bot.error_handlers import install_error_handlers
from bot.http_metrics import RecordMetrics
from bot.limits import BodySizeLimit
from bot.security_headers import SecurityHeaders
from bot.webhooks.results import register_webhook_notifier
from bot.webhooks.router import build_router as build_webhooks_router
from integrations.observability.tracing import instrument_app
from integrations.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(title="BMAD chat-ops assistant", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(warmup.router)
    app.include_router(build_webhooks_router())
    app.include_router(build_api_router())
    app.include_router(billing_router)
    install_console(app, settings)
    register_webhook_notifier(settings)  # webhook-started runs report to their channel
    if settings.slack_signing_secret is not None:  # never accept unsigned Slack requests
        from bot.slack.wiring import mount_slack

        mount_slack(app, settings)
    app.add_middleware(RecordMetrics)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    instrument_app(app)  # OpenTelemetry server spans, when tracing is configured
    # Starlette: the last added is the outermost. AsciiHeaders sits outside everything that
    # reads a request header (OTel, routes); its refusals pass through SecurityHeaders (they
    # carry the headers too) and AccessLog, which only takes an X-Request-ID matching its
    # ASCII pattern, is outermost so its request_id covers every line, refusals included.
    app.add_middleware(AsciiHeaders)
    app.add_middleware(SecurityHeaders)  # every answer gets the headers
    app.add_middleware(AccessLog)  # outermost: its request_id covers every other line
    return app
