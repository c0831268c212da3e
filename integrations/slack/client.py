"""The one way to build a Slack Web API client.

Why here: every outbound call (replies, notifier, App Home, OAuth) must reach the same
`SLACK_API_URL` (the tests' fake API or Slack) with the same retry policy: the SDK's
`RateLimitErrorRetryHandler` sleeps for `Retry-After` on a 429 and tries again.
"""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler

from integrations.settings import Settings

RATE_LIMIT_RETRIES = 3
TIMEOUT_SECONDS = 10


def api_base_url(settings: Settings) -> str:
    """`SLACK_API_URL` with the trailing slash the SDK expects when joining method names."""
    url = settings.slack_api_url
    return url if url.endswith("/") else url + "/"


def web_client(
    settings: Settings, token: str | None = None, *, retry_rate_limits: bool = True
) -> WebClient:
    """`retry_rate_limits=False` for the outbound dispatcher: it pauses the lane on a 429
    instead of sleeping in the sending thread (`integrations.slack.dispatcher`)."""
    handlers: list[RetryHandler] = [ConnectionErrorRetryHandler(max_retry_count=1)]
    if retry_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES))
    return WebClient(
        token=token,
        base_url=api_base_url(settings),
        timeout=TIMEOUT_SECONDS,
        retry_handlers=handlers,
    )
