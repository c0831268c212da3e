"""The baseline for benchmarks/slack_ingest.py: a bare Bolt app that only acks.

Same signing secret and the starlette adapter Bolt ships; no FastAPI, no middleware, no
work after the ack. Served by uvicorn like `bmad serve`:

    BENCH_SIGNING_SECRET=... uvicorn benchmarks.bare_bolt_app:app
"""

from __future__ import annotations

import os

from slack_bolt import Ack, App
from slack_bolt.adapter.starlette import SlackRequestHandler
from slack_bolt.authorization import AuthorizeResult
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def _authorize(team_id: str | None = None, **_: object) -> AuthorizeResult:
    """A fixed bot identity (bmad serve resolves its own once, with auth.test at start)."""
    return AuthorizeResult(
        enterprise_id=None,
        team_id=team_id,
        bot_token="xoxb-bare",
        bot_user_id="UBOT00001",
        bot_id="BBOT00001",
    )


bolt = App(signing_secret=os.environ["BENCH_SIGNING_SECRET"], authorize=_authorize)


@bolt.event("app_mention")
def only_ack(ack: Ack) -> None:
    ack()


handler = SlackRequestHandler(bolt)


async def events(request: Request) -> Response:
    return await handler.handle(request)


app = Starlette(routes=[Route("/slack/events", events, methods=["POST"])])
