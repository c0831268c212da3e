"""HTTP answers that make a caller retry: 503 when a backing service is down, 429 when a
rate limit refused the request; both with Retry-After.

Why: a 200 with an error text or a 500 tells a webhook sender or API client that the
request is finished (or broken for good); Slack, Alertmanager, GitHub and well-behaved API
clients retry a 503 or 429 after Retry-After, so nothing is lost during an outage.
"""

from __future__ import annotations

from typing import Any

import redis
from fastapi.responses import JSONResponse
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import InterfaceError, OperationalError

from bot.errors import error_body
from conversations.reply import Reply

# Exceptions that mean "PostgreSQL, Redis or the broker is unreachable", not "bad request".
OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    BrokerError,
)
RETRY_AFTER_SECONDS = 5

# For the OpenAPI document of every route that may answer them.
RETRY_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"description": "rate limited; retry after the Retry-After header's seconds"},
    503: {"description": "a backing service is unreachable; retry after Retry-After seconds"},
}


def unavailable() -> JSONResponse:
    response = error_body(
        503,
        "unavailable",
        "a backing service is unreachable; retry later",
        retry_after=RETRY_AFTER_SECONDS,
    )
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def rate_limited(message: str, retry_after: int) -> JSONResponse:
    response = error_body(429, "rate_limited", message, retry_after=retry_after)
    response.headers["Retry-After"] = str(retry_after)
    return response


def refusal_for(reply: Reply) -> JSONResponse | None:
    """The 503 / 429 a turn's reply calls for, or None when it is an answer."""
    if reply.unavailable:
        return unavailable()
    if reply.retry_after is not None:
        return rate_limited(reply.text, reply.retry_after)
    return None
