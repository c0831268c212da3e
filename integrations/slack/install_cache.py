"""A per-process cache of Slack installations that every process invalidates together.

Why: resolving a team's bot token must not query the database per event (Bolt authorizes
before the ack), so each process caches it - but slack_sdk's `CacheableInstallationStore`
keeps its copy until restart, and after an uninstall + reinstall handled by one replica
the others kept posting with the revoked token. Here every save or delete bumps a
version number per team in Redis; a cached entry is trusted for `CHECK_SECONDS`, then
compared with that version (one Redis GET) and reloaded from the database when it moved.
`forget(team)` drops the entry at once: the dispatcher calls it when Slack answers
invalid_auth / token_revoked / account_inactive, then retries once with what is stored.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from logging import Logger
from typing import Any

import redis
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore

from integrations.redis_store import key

CHECK_SECONDS = 1.0


def version_key(team_id: str | None) -> str:
    return key(team_id or "_enterprise", "slack", "install_version")


@dataclass
class _Entry:
    version: str
    checked: float
    bot: Bot | None


class CoherentInstallationStore(InstallationStore):
    def __init__(self, store: InstallationStore, client: redis.Redis) -> None:
        self.store = store
        self.client = client
        self._bots: dict[tuple[str | None, str | None, bool], _Entry] = {}
        self._lock = threading.Lock()

    @property
    def logger(self) -> Logger:
        return self.store.logger

    # -- writes: the database first, then every process's cache is stale -------------------
    def _bump(self, team_id: str | None) -> None:
        self.client.incr(version_key(team_id))
        self.forget(team_id)

    def save(self, installation: Installation) -> None:
        self.store.save(installation)
        self._bump(installation.team_id)

    def save_bot(self, bot: Bot) -> None:
        self.store.save_bot(bot)
        self._bump(bot.team_id)

    def delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self._bump(team_id)

    def delete_installation(
        self, *, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        self.store.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
        )
        self._bump(team_id)

    def delete_all(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        self.store.delete_all(enterprise_id=enterprise_id, team_id=team_id)
        self._bump(team_id)

    # -- reads ----------------------------------------------------------------------------
    def find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        cache_key = (enterprise_id, team_id, bool(is_enterprise_install))
        now = time.monotonic()
        with self._lock:
            entry = self._bots.get(cache_key)
        if entry is not None and now - entry.checked < CHECK_SECONDS:
            return entry.bot
        version = str(self.client.get(version_key(team_id)) or "0")
        if entry is not None and entry.version == version:
            entry.checked = now
            return entry.bot
        bot = self.store.find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        with self._lock:
            self._bots[cache_key] = _Entry(version, now, bot)
        return bot

    def find_installation(self, **kwargs: Any) -> Installation | None:
        return self.store.find_installation(**kwargs)

    def forget(self, team_id: str | None) -> None:
        with self._lock:
            for cache_key in [k for k in self._bots if k[1] == team_id]:
                del self._bots[cache_key]
