"""Secrets at rest for webhooks and API keys.

Two kinds of secret, stored differently on purpose:
- HMAC secrets (generic/GitHub receivers, outbound endpoints) must be recoverable to
  compute signatures, so they are encrypted with Fernet under `BMAD_SECRET_KEY`.
- Bearer tokens and API keys are only ever compared, so only their SHA-256 is stored
  (they are 256-bit random strings, so a fast hash is enough; no password hashing needed).
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from integrations.settings import FERNET_HINT, ConfigurationError, Settings

KEY_FILE = "secret.key"


class SecretUnreadableError(RuntimeError):
    """A stored secret cannot be decrypted (BMAD_SECRET_KEY changed or data corrupted)."""


def _key_bytes(settings: Settings) -> bytes:
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    # Embedded default only: a per-installation key file, created once, readable by us only.
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process created it first; read theirs
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


def fernet_key(settings: Settings) -> bytes:
    """The installation's current Fernet key (for stores that build their own Fernet once)."""
    return _key_bytes(settings)


def _fernet_of(key: bytes, setting: str) -> Fernet:
    try:
        return Fernet(key)
    except ValueError as err:
        raise ConfigurationError(
            f"{setting} must be a Fernet key (32 url-safe base64-encoded bytes); make one "
            f"with: {FERNET_HINT}"
        ) from err


def fernet(settings: Settings) -> MultiFernet:
    """Encrypts with the current key; decrypts with it or `BMAD_SECRET_KEY_PREVIOUS`."""
    keys = [_fernet_of(_key_bytes(settings), "BMAD_SECRET_KEY")]
    if settings.secret_key_previous is not None:
        previous = settings.secret_key_previous.get_secret_value().encode()
        keys.append(_fernet_of(previous, "BMAD_SECRET_KEY_PREVIOUS"))
    return MultiFernet(keys)


def rotate_secret(settings: Settings, token: str) -> str:
    """The same secret encrypted under the current key (for `bmad secrets rotate`)."""
    try:
        return fernet(settings).rotate(token.encode()).decode()
    except InvalidToken as err:
        raise SecretUnreadableError("stored secret cannot be decrypted") from err


def encrypt_secret(settings: Settings, plain: str) -> str:
    return fernet(settings).encrypt(plain.encode()).decode()


def decrypt_secret(settings: Settings, token: str) -> str:
    try:
        return fernet(settings).decrypt(token.encode()).decode()
    except InvalidToken as err:
        raise SecretUnreadableError("stored secret cannot be decrypted") from err


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_secret(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(32)
