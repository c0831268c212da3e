"""Slack OAuth tokens encrypted at rest, as an InstallationStore wrapper.

slack_sdk's SQLAlchemy store writes bot and user tokens (and refresh tokens) in plain text;
anyone with a database dump could post as the app in every workspace. This wrapper
encrypts them with the installation's Fernet key (`BMAD_SECRET_KEY`) before they reach
the inner store and decrypts them on the way out, so Bolt and our code still see plain
tokens. Rows written before encryption (no `enc:` prefix) are still read as they are and
are encrypted on the next save (reinstall or token rotation).
"""

from __future__ import annotations

from typing import Any

from cryptography.fernet import Fernet
from slack_sdk.oauth.installation_store import Bot, Installation, InstallationStore

PREFIX = "enc:"
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")


class EncryptedInstallationStore(InstallationStore):
    def __init__(self, inner: InstallationStore, fernet: Fernet) -> None:
        self.inner = inner
        self._fernet = fernet

    @property
    def logger(self) -> Any:
        return self.inner.logger

    def _seal(self, value: str | None) -> str | None:
        if not value or value.startswith(PREFIX):
            return value
        return PREFIX + self._fernet.encrypt(value.encode()).decode()

    def _open(self, value: str | None) -> str | None:
        if not value or not value.startswith(PREFIX):
            return value
        return self._fernet.decrypt(value[len(PREFIX) :].encode()).decode()

    def _map(self, obj: Any, fn: Any) -> Any:
        if obj is None:
            return None
        changes = {f: fn(getattr(obj, f)) for f in TOKEN_FIELDS if hasattr(obj, f)}
        copy = object.__new__(type(obj))
        copy.__dict__.update(obj.__dict__)
        copy.__dict__.update(changes)
        return copy

    def save(self, installation: Installation) -> None:
        self.inner.save(self._map(installation, self._seal))

    def save_bot(self, bot: Bot) -> None:
        self.inner.save_bot(self._map(bot, self._seal))

    def find_bot(self, **kwargs: Any) -> Bot | None:
        return self._map(self.inner.find_bot(**kwargs), self._open)

    def find_installation(self, **kwargs: Any) -> Installation | None:
        return self._map(self.inner.find_installation(**kwargs), self._open)

    def delete_bot(self, **kwargs: Any) -> None:
        self.inner.delete_bot(**kwargs)

    def delete_installation(self, **kwargs: Any) -> None:
        self.inner.delete_installation(**kwargs)

    def delete_all(self, **kwargs: Any) -> None:
        self.inner.delete_all(**kwargs)
