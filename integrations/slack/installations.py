"""Where Slack installations live: slack_sdk's SQLAlchemy stores on our database.

The tables (`slack_installations`, `slack_bots`, `slack_oauth_states`) are created by the
Alembic revision `0005_slack`, never by `create_tables()` at run time. Reads go through
`CoherentInstallationStore` (`install_cache.py`): resolving a team's token on the hot path
(Bolt's authorize, before the ack) hits the database once per team per process, and an
uninstall or reinstall on any process reaches every other one within a second.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from integrations.db.session import engine_for
from integrations.redis_store import get_redis
from integrations.settings import Settings
from integrations.slack.encrypted_store import EncryptedInstallationStore
from integrations.slack.install_cache import CoherentInstallationStore
from integrations.webhooks_out.crypto import fernet_key

OAUTH_STATE_SECONDS = 600


def oauth_mode(settings: Settings) -> bool:
    """Multi-workspace OAuth when a client id and secret are set; else single workspace."""
    return bool(settings.slack_client_id and settings.slack_client_secret)


@lru_cache(maxsize=4)
def _stores(
    database_url: str, client_id: str, key: bytes, redis_url: str | None
) -> CoherentInstallationStore:
    sql = SQLAlchemyInstallationStore(client_id=client_id, engine=engine_for(database_url))
    # Tokens are encrypted at rest (BMAD_SECRET_KEY); the coherent cache holds them decrypted.
    return CoherentInstallationStore(
        EncryptedInstallationStore(sql, Fernet(key)), get_redis(redis_url)
    )


def installation_store(settings: Settings) -> CoherentInstallationStore:
    if not settings.slack_client_id:
        raise ValueError("SLACK_CLIENT_ID is required for the installation store")
    return _stores(
        settings.database_url, settings.slack_client_id, fernet_key(settings), settings.redis_url
    )


def forget_cached_installation(settings: Settings, team_id: str) -> None:
    """Drop this process's cached installation of `team_id` (Slack refused its token)."""
    if oauth_mode(settings):
        installation_store(settings).forget(team_id)


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
