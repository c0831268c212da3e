"""The /api/v1 router: one module per resource, each with its own `router`.

To add a resource (e.g. billing's usage details or the audit log), write
`bot/api/<resource>.py` with an `APIRouter` named `router` that depends on
`bot.api.deps.PrincipalDep`, and add it to `RESOURCES` below.
"""

from __future__ import annotations

from fastapi import APIRouter

from bot.api import (
    audit,
    catalog,
    messages,
    notices,
    privacy,
    runs,
    usage,
    users,
    webhooks,
)

RESOURCES = [
    messages.router,
    notices.router,
    runs.router,
    catalog.router,
    usage.router,
    audit.router,
    privacy.router,
    webhooks.router,
    users.router,
]


def build_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for resource in RESOURCES:
        api.include_router(resource)
    return api
