"""Everything the web console adds to the app, in one place: assets, sign-in, pages."""

from __future__ import annotations

from fastapi import FastAPI

from bot.console_web import (
    audit_page,
    keys_page,
    members_page,
    routes,
    usage_page,
    webhooks_page,
    workflows_page,
)
from bot.console_web.api_docs import install_api_docs
from bot.console_web.oidc import MOUNT as OIDC_MOUNT
from bot.console_web.oidc import oidc_app
from integrations.settings import Settings


def install_console(app: FastAPI, settings: Settings) -> None:
    install_api_docs(app)  # /docs and /redoc with their assets served here, no CDN
    app.mount("/console/static", routes.static_files(), "console-static")
    app.mount(OIDC_MOUNT, oidc_app(settings), "console-oidc")
    for page in (
        routes,
        audit_page,
        members_page,
        keys_page,
        webhooks_page,
        usage_page,
        workflows_page,
    ):
        app.include_router(page.router)
