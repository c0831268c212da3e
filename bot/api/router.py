"""The /api/v1 router: one module per resource, each with its own `router`.

To add a resource (e.g. billing's usage details or the audit log), write
`bot/api/<resource>.py` with an `APIRouter` named `router` that depends on
`bot.api.deps.PrincipalDep`, and add it to `RESOURCES` below.
"""

from __future__ import annotations

from fastapi import APIRouter

from bot.api import billing, catalog, messages, notices, runs, users, webhooks

# billing.router serves /usage (quotas, period, next invoice) and /audit; it superseded
# usage.router, whose {tenant, plan} fields it keeps.
RESOURCES = [
    messages.router,
    notices.router,
    runs.router,
    catalog.router,
    billing.router,
    webhooks.router,
    users.router,
]


def build_router() -> APIRouter:
    api = APIRouter(prefix="/api/v1")
    for resource in RESOURCES:
        api.include_router(resource)
    return api
