"""Everything the web console adds to the app, in one place: assets, sign-in, pages."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from bot.console_web import (
    audit_page,
    chat_page,
    keys_page,
    members_page,
    runs_page,
    signin_page,
    usage_page,
    webhooks_page,
    workflows_page,
)
from bot.console_web.access import Refused, refused_page
from bot.console_web.api_docs import install_api_docs
from bot.console_web.oidc import MOUNT as OIDC_MOUNT
from bot.console_web.oidc import oidc_app
from integrations.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGES = (
    signin_page,
    runs_page,
    chat_page,
    workflows_page,
    audit_page,
    members_page,
    keys_page,
    webhooks_page,
    usage_page,
)


def install_console(app: FastAPI, settings: Settings) -> None:
    app.add_exception_handler(Refused, refused_page)
    install_api_docs(app)  # /docs and /redoc with their assets served here, no CDN
    app.mount("/console/static", StaticFiles(directory=STATIC_DIR), "console-static")
    app.mount(OIDC_MOUNT, oidc_app(settings), "console-oidc")
    for page in PAGES:
        app.include_router(page.router)
