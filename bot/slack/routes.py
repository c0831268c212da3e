"""FastAPI routes for Slack: /slack/events (events, commands, interactivity), /slack/install,
/slack/oauth_redirect. The signature and timestamp are verified on the raw bytes and the
body's shape is checked before Bolt parses it (bot/slack/verify.py): unsigned or unparsable
requests get our JSON error envelope, never reach Bolt, never cost a 500.

Bolt's sync `dispatch` runs in the thread pool for commands and interactivity (Bolt waits
there for the listener's `ack()`) and, in OAuth mode, for events too (a team's first event
resolves its installation from the database). With one verified workspace, events are
dispatched on the loop: nothing in them can block, and the hop was a third of the cost.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from fastapi import APIRouter, FastAPI, Request, Response
from slack_bolt import App
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk.signature import SignatureVerifier
from starlette.concurrency import run_in_threadpool
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.errors import error_body
from bot.slack.event_acks import EventPublisher, is_event_callback, request_job
from bot.slack.handoff import durable_futures
from bot.slack.verify import SlackRefused, check_slack_request
from integrations.observability.logging import get_logger
from integrations.observability.metrics import SLACK_ACK_SECONDS, SLACK_REQUESTS

log = get_logger(__name__)


def _kind(request: Request) -> str:
    ctype = request.headers.get("content-type", "")
    return "event" if "json" in ctype else "form"


EVENTS_PATH = "/slack/events"
# How long an ack waits for the broker to confirm its jobs (Slack gives up after 3 s).
HANDOFF_TIMEOUT_SECONDS = 2.0
RETRY_AFTER_SECONDS = 5


def mount_routes(
    app: FastAPI,
    bolt: App,
    signing_secret: str,
    *,
    inline_events: bool = False,
    queued_events: EventPublisher | None = None,
) -> None:
    """`queued_events` (with a broker): Events API requests are queued for the worker's Bolt
    (`bot.slack.event_acks`), never dispatched here. `inline_events` (without one): dispatch them
    on the event loop. Only safe when authorization cannot block (one workspace, token
    verified at start), and the thread hop would cost more than the ack.

    POST /slack/events, the busiest route by far, is served by `ServedFirst` inside our
    middlewares (access log, metrics, body limit, headers) but ahead of FastAPI's request
    handling and router: Bolt parses the body, so they would only add to every ack. The
    route stays in the router for everything else (a GET gets its 405).
    """
    itself: list[BaseRoute] = []  # the route names itself in the scope for the HTTP metrics
    endpoint = events_endpoint(
        bolt, SignatureVerifier(signing_secret), inline_events, queued_events, itself
    )
    route = Route(EVENTS_PATH, endpoint, methods=["POST"], include_in_schema=False)
    itself.append(route)
    app.router.routes.insert(0, route)
    app.add_middleware(ServedFirst, endpoint=endpoint)  # added first: the innermost
    app.include_router(oauth_router(bolt))


class ServedFirst:
    """ASGI middleware: POST /slack/events goes straight to its endpoint. Errors it raises
    still reach the app's error handling (Starlette's ServerErrorMiddleware, outermost)."""

    def __init__(self, app: ASGIApp, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.app = app
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != EVENTS_PATH:
            await self.app(scope, receive, send)
            return
        response = await self.endpoint(Request(scope, receive))
        await response(scope, receive, send)


def events_endpoint(
    bolt: App,
    verifier: SignatureVerifier,
    inline_events: bool,
    queued_events: EventPublisher | None,
    route: list[BaseRoute],
) -> Callable[[Request], Awaitable[Response]]:
    async def events(request: Request) -> Response:
        if route:  # FastAPI names only its own routes in the scope
            request.scope.setdefault("route", route[0])
        started = time.perf_counter()
        body = await request.body()
        kind = _kind(request)
        try:
            payload = check_slack_request(verifier, body, request.headers)
        except SlackRefused as err:
            SLACK_REQUESTS.labels(kind, str(err.status)).inc()
            log.warning("slack_request_refused", reason=err.code, kind=kind)
            return error_body(
                err.status, err.code, "the request is not a valid signed Slack request"
            )
        if queued_events is not None and is_event_callback(payload):
            if not await queued_events.publish(request_job(body.decode(), request.headers)):
                SLACK_REQUESTS.labels(kind, "503").inc()
                log.warning("slack_ack_refused_not_durable", error="NotDurable")
                return not_durable()
            SLACK_ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
            SLACK_REQUESTS.labels(kind, "200").inc()
            return Response(status_code=200)
        bolt_request = to_bolt_request(request, body)
        if inline_events and kind == "event":
            bolt_response = bolt.dispatch(bolt_request)
        else:
            bolt_response = await run_in_threadpool(bolt.dispatch, bolt_request)
        futures = durable_futures(bolt_request.context)
        if futures and bolt_response.status < 300 and not await _confirmed(futures):
            SLACK_REQUESTS.labels(kind, "503").inc()
            return not_durable()
        SLACK_ACK_SECONDS.labels(kind).observe(time.perf_counter() - started)
        SLACK_REQUESTS.labels(kind, str(bolt_response.status)).inc()
        if bolt_response.status == 401:
            log.warning("slack_request_refused", reason="signature or timestamp", kind=kind)
        return to_starlette_response(bolt_response)

    return events


async def _confirmed(futures: list) -> bool:
    """Wait (without blocking the loop) until the broker took every job of this request."""
    try:
        results = await asyncio.wait_for(
            asyncio.gather(*(asyncio.wrap_future(f) for f in futures), return_exceptions=True),
            timeout=HANDOFF_TIMEOUT_SECONDS,
        )
    except TimeoutError:
        results = [TimeoutError()]
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:  # NotDurable or too slow: Slack must send it again
        log.warning("slack_ack_refused_not_durable", error=type(failed[0]).__name__)
    return not failed


def not_durable() -> Response:
    """503 + Retry-After: Slack retries the request (and we answer it once)."""
    response = error_body(
        503, "unavailable", "the work queue is unreachable; retry", retry_after=RETRY_AFTER_SECONDS
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


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
