"""The Bolt app: one for HTTP (`bmad serve`) and Socket Mode (`bmad slack socket`).

`process_before_response`: Bolt runs each listener to its end before answering. Listeners
only hand their job off (`bot.slack.handoff`, no I/O) and `ack()`, so this costs nothing,
and it means that when Bolt returns, every job of the request is already with the
publisher: the route then waits for the broker's confirmation before the 200 goes out.
(Bolt's default acks events *before* the listener runs, too early to know the job is
durable; its lazy listeners deep-copy every request, which cost more than the whole ack.)

Single-workspace mode uses SLACK_BOT_TOKEN; with a client id and secret the app is
multi-workspace, tokens come from the installation store (cached per process, so the ack
path does not query the database per event).
"""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize

from bot.slack.listeners import register_listeners
from bot.slack.oauth import oauth_settings
from integrations.settings import Settings
from integrations.slack.client import web_client
from integrations.slack.installations import installation_store, oauth_mode

LISTENER_THREADS = 16


class _ContextExecutor(ThreadPoolExecutor):
    """Runs each listener in a copy of the submitting request's context, so its log lines
    keep the request_id and its hand-off continues the request's trace."""

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def _listener_executor() -> ThreadPoolExecutor:
    """Threads for Bolt's own use (listeners run up to their ack and hand-off, never the
    work itself), carrying the request's log and trace context."""
    return _ContextExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="bmad-bolt")


class SlackNotConfigured(RuntimeError):
    """Slack needs SLACK_SIGNING_SECRET and a bot token or OAuth client credentials."""


def build_bolt_app(
    settings: Settings, *, verify_token: bool = True, signed_requests: bool = True
) -> App:
    """Over HTTP every request must carry Slack's signature. Without `signed_requests`
    nothing is checked: over Socket Mode there is no HTTP request to sign (the app-level
    token authenticates the websocket), and the worker dispatches requests the web process
    verified before it queued them (`bot.slack.event_requests`)."""
    verification: dict[str, Any]
    if not signed_requests:
        verification = {"request_verification_enabled": False}
    elif settings.slack_signing_secret is None:
        raise SlackNotConfigured("SLACK_SIGNING_SECRET is not set")
    else:
        verification = {"signing_secret": settings.slack_signing_secret.get_secret_value()}
    logger = logging.getLogger("bmad.slack.bolt")
    # Bolt's info lines echo request bodies (user text); our own logs say what happened.
    logger.setLevel(logging.WARNING)
    if oauth_mode(settings):
        store = installation_store(settings)
        app = App(
            **verification,
            client=web_client(settings),
            listener_executor=_listener_executor(),
            process_before_response=True,
            installation_store=store,
            # Bolt takes `Authorize` instances; its hint names plain functions only.
            authorize=cast(
                Any,
                InstallationStoreAuthorize(
                    installation_store=store,
                    client_id=settings.slack_client_id,
                    logger=logger,
                    cache_enabled=True,
                    bot_only=True,
                    client=web_client(settings),
                ),
            ),
            oauth_settings=oauth_settings(settings),
            logger=logger,
        )
    elif settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
        app = App(
            **verification,
            client=web_client(settings, token),  # Bolt takes the token from the client
            token_verification_enabled=verify_token,
            listener_executor=_listener_executor(),
            process_before_response=True,
            logger=logger,
        )
    else:
        raise SlackNotConfigured(
            "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
        )
    register_listeners(app, settings)
    return app
