"""Slack OAuth tokens are encrypted at rest; Bolt and our code still read them in plain."""

from __future__ import annotations

from pydantic import SecretStr
from slack_sdk.oauth.installation_store import Installation
from sqlalchemy import text

from integrations.db.session import engine_for
from integrations.settings import Settings
from integrations.slack.installations import installation_store

BOT = "xoxb-1111-2222-PLAINBOTTOKEN"
USER = "xoxp-3333-4444-PLAINUSERTOKEN"


def test_tokens_are_encrypted_in_the_database(embedded_settings: Settings) -> None:
    settings = embedded_settings.model_copy(
        update={"slack_client_id": "111.222", "slack_client_secret": SecretStr("cs")}
    )
    store = installation_store(settings)
    store.save(
        Installation(
            app_id="A1",
            team_id="T0ENC",
            bot_token=BOT,
            bot_id="B1",
            bot_user_id="UBOT",
            user_id="UINSTALLER",
            user_token=USER,
        )
    )
    with engine_for(settings.database_url).connect() as conn:
        rows = [
            repr(tuple(r))
            for table in ("slack_installations", "slack_bots")
            for r in conn.execute(text(f"SELECT * FROM {table}"))
        ]
    assert rows
    assert not any(BOT in r or USER in r for r in rows), rows
    bot = store.find_bot(enterprise_id=None, team_id="T0ENC")
    assert bot is not None and bot.bot_token == BOT
    found = store.find_installation(enterprise_id=None, team_id="T0ENC", user_id="UINSTALLER")
    assert found is not None and found.user_token == USER and found.bot_token == BOT
