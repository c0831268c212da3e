"""Where Slack installations live: slack_sdk's SQLAlchemy stores on our database.

The tables (`slack_installations`, `slack_bots`, `slack_oauth_states`) are created by the
Alembic revision `0005_slack`, never by `create_tables()` at run time. Reads go through
`CacheableInstallationStore`, so resolving a team's token on the hot path (Bolt's
authorize, before the ack) hits the database once per team per process, not per event.
"""

from __future__ import annotations

from functools import lru_cache

from slack_sdk.oauth.installation_store import InstallationStore
from slack_sdk.oauth.installation_store.cacheable_installation_store import (
    CacheableInstallationStore,
)
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from integrations.db.session import engine_for
from integrations.settings import Settings

OAUTH_STATE_SECONDS = 600


def oauth_mode(settings: Settings) -> bool:
    """Multi-workspace OAuth when a client id and secret are set; else single workspace."""
    return bool(settings.slack_client_id and settings.slack_client_secret)


@lru_cache(maxsize=4)
def _stores(database_url: str, client_id: str) -> CacheableInstallationStore:
    sql = SQLAlchemyInstallationStore(client_id=client_id, engine=engine_for(database_url))
    return CacheableInstallationStore(sql)


def installation_store(settings: Settings) -> InstallationStore:
    if not settings.slack_client_id:
        raise ValueError("SLACK_CLIENT_ID is required for the installation store")
    return _stores(settings.database_url, settings.slack_client_id)


def oauth_state_store(settings: Settings) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=OAUTH_STATE_SECONDS, engine=engine_for(settings.database_url)
    )


def bot_token_for(settings: Settings, team_id: str) -> str | None:
    """The bot token that may post into `team_id`: installed (OAuth) or configured (single)."""
    if oauth_mode(settings):
        bot = installation_store(settings).find_bot(enterprise_id=None, team_id=team_id)
        return bot.bot_token if bot else None
    return settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
