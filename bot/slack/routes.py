"""FastAPI routes for Slack: /slack/events (events, commands, interactivity), /slack/install,
/slack/oauth_redirect. Bolt verifies signatures and timestamps (401 otherwise) and parses
every payload; we only move the request into Bolt and the response back.

Bolt's sync `dispatch` runs in the thread pool for commands and interactivity (Bolt waits
there for the listener's `ack()`) and, in OAuth mode, for events too (a team's first event
resolves its installation from the database). With one verified workspace, events are
dispatched on the loop: nothing in them can block, and the hop was a third of the cost.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Route

from bot.errors import error_body
from integrations.observability.logging import get_logger
from integrations.observability.metrics import SLACK_ACK_SECONDS, SLACK_REQUESTS

log = get_logger(__name__)


def _kind(request: Request) -> str:
    ctype = request.headers.get("content-type", "")
    return "event" if "json" in ctype else "form"


EVENTS_PATH = "/slack/events"


def mount_routes(app: FastAPI, bolt: App, *, inline_events: bool = False) -> None:
    """`inline_events`: dispatch Events API requests on the event loop. Only safe when
    authorization cannot block (one workspace, token verified at start): Bolt then acks an
    event before any listener runs, and the thread hop would cost more than the ack.

    /slack/events is a plain Starlette route on the app itself: Bolt parses the body, so
    FastAPI's request handling (dependencies, validation) would only add to every ack.
    """
    itself: list[BaseRoute] = []  # the route names itself in the scope for the HTTP metrics
    route = Route(
        EVENTS_PATH,
        events_endpoint(bolt, inline_events, itself),
        methods=["POST"],
        include_in_schema=False,
    )
    itself.append(route)
    app.router.routes.append(route)
    app.include_router(oauth_router(bolt))


def events_endpoint(
    bolt: App, inline_events: bool, route: list[BaseRoute]
) -> Callable[[Request], Awaitable[Response]]:
    async def events(request: Request) -> Response:
        if route:  # FastAPI names only its own routes in the scope
            request.scope.setdefault("route", route[0])
        started = time.perf_counter()
        body = await request.body()
        kind = _kind(request)
        bolt_request = to_bolt_request(request, body)
        if inline_events and kind == "event":
            bolt_response = bolt.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
        SLACK_ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
        SLACK_REQUESTS.labels(kind, str(bolt_response.status)).inc()
        if bolt_response.status == 401:
            log.warning("slack_request_refused", reason="signature or timestamp", kind=kind)
        return to_starlette_response(bolt_response)

    return events


def oauth_router(bolt: App) -> APIRouter:
    router = APIRouter(tags=["slack"])

    @router.get("/slack/install")
    async def install(request: Request) -> Response:
        if bolt.oauth_flow is None:
            return error_body(404, "not_found", "Slack OAuth install is not configured")
        bolt_req = to_bolt_request(request, b"")
        return to_starlette_response(
            await run_in_threadpool(bolt.oauth_flow.handle_installation, bolt_req)
        )

    @router.get("/slack/oauth_redirect")
    async def oauth_redirect(request: Request) -> Response:
        if bolt.oauth_flow is None:
            return error_body(404, "not_found", "Slack OAuth install is not configured")
        bolt_req = to_bolt_request(request, b"")
        return to_starlette_response(
            await run_in_threadpool(bolt.oauth_flow.handle_callback, bolt_req)
        )

    return router
