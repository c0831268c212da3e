"""Installation cache coherence: two processes (two stores over one database and one
Redis) - a reinstall through one is seen by the other without a restart, and a token
Slack refused is dropped at once."""

import uuid
from pathlib import Path

import fakeredis
from slack_sdk.oauth.installation_store import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

from integrations.db.migrate import upgrade
from integrations.db.session import engine_for
from integrations.slack import install_cache
from integrations.slack.install_cache import CoherentInstallationStore
from tests.polling import wait_until


def _install(team: str, token: str) -> Installation:
    return Installation(
        app_id="A1",
        team_id=team,
        user_id="U1",
        bot_token=token,
        bot_id="B1",
        bot_user_id="UB1",
        bot_scopes="chat:write",
    )


def test_a_reinstall_through_one_process_reaches_the_other(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    upgrade(url)
    server = fakeredis.FakeServer()

    def process() -> CoherentInstallationStore:
        sql = SQLAlchemyInstallationStore(client_id="c", engine=engine_for(url))
        return CoherentInstallationStore(sql, fakeredis.FakeRedis(server=server))

    a, b = process(), process()
    team = f"T{uuid.uuid4().hex[:8]}"
    a.save(_install(team, "xoxb-old"))
    assert b.find_bot(enterprise_id=None, team_id=team).bot_token == "xoxb-old"  # type: ignore[union-attr]

    a.delete_all(enterprise_id=None, team_id=team)
    a.save(_install(team, "xoxb-new"))

    # b may answer from memory for CHECK_SECONDS, then sees the new version in Redis.
    def sees_the_new_token() -> bool:
        seen = b.find_bot(enterprise_id=None, team_id=team)
        return seen is not None and seen.bot_token == "xoxb-new"

    wait_until(sees_the_new_token, install_cache.CHECK_SECONDS + 2, "b to see the reinstall")


def test_a_refused_token_is_forgotten_at_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'i.db'}"
    upgrade(url)
    sql = SQLAlchemyInstallationStore(client_id="c", engine=engine_for(url))
    store = CoherentInstallationStore(sql, fakeredis.FakeRedis(server=fakeredis.FakeServer()))
    team = f"T{uuid.uuid4().hex[:8]}"
    store.save(_install(team, "xoxb-1"))
    assert store.find_bot(enterprise_id=None, team_id=team).bot_token == "xoxb-1"  # type: ignore[union-attr]
    sql.save(_install(team, "xoxb-2"))  # written behind the cache's back (another tool)
    assert store.find_bot(enterprise_id=None, team_id=team).bot_token == "xoxb-1"  # type: ignore[union-attr]
    store.forget(team)  # what the dispatcher does on token_revoked / invalid_auth
    assert store.find_bot(enterprise_id=None, team_id=team).bot_token == "xoxb-2"  # type: ignore[union-attr]
