"""The Bolt app: one for HTTP (`bmad serve`) and Socket Mode (`bmad slack socket`).

`process_before_response=True` makes Bolt run each ack function inside the request and
start the real work as a lazy listener afterwards: the HTTP response is exactly the ack,
whatever the work costs. Single-workspace mode uses SLACK_BOT_TOKEN; with a client id and
secret the app is multi-workspace, tokens come from the installation store (cached per
process, so the ack path does not query the database per event).
"""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_bolt.authorization.authorize import InstallationStoreAuthorize

from bot.slack.listeners import register_listeners
from bot.slack.oauth import oauth_settings
from integrations.settings import Settings
from integrations.slack.client import web_client
from integrations.slack.installations import installation_store, oauth_mode


class SlackNotConfigured(RuntimeError):
    """Slack needs SLACK_SIGNING_SECRET and a bot token or OAuth client credentials."""


def build_bolt_app(settings: Settings, *, verify_token: bool = True) -> App:
    if settings.slack_signing_secret is None:
        raise SlackNotConfigured("SLACK_SIGNING_SECRET is not set")
    secret = settings.slack_signing_secret.get_secret_value()
    logger = logging.getLogger("bmad.slack.bolt")
    # Bolt's info lines echo request bodies (user text); our own logs say what happened.
    logger.setLevel(logging.WARNING)
    if oauth_mode(settings):
        store = installation_store(settings)
        app = App(
            signing_secret=secret,
            client=web_client(settings),
            process_before_response=True,
            installation_store=store,
            authorize=InstallationStoreAuthorize(
                installation_store=store,
                client_id=settings.slack_client_id,
                logger=logger,
                cache_enabled=True,
                bot_only=True,
                client=web_client(settings),
            ),
            oauth_settings=oauth_settings(settings),
            logger=logger,
        )
    elif settings.slack_bot_token is not None:
        token = settings.slack_bot_token.get_secret_value()
        app = App(
            signing_secret=secret,
            client=web_client(settings, token),  # Bolt takes the token from the client
            token_verification_enabled=verify_token,
            process_before_response=True,
            logger=logger,
        )
    else:
        raise SlackNotConfigured(
            "set SLACK_BOT_TOKEN (one workspace) or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET"
        )
    register_listeners(app, settings)
    return app
