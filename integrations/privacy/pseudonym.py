"""Stable pseudonyms for forgotten users: HMAC-SHA256 of tenant and user id.

Keyed (not a plain hash) so nobody can confirm a guess of who a pseudonym was without the
key (`BMAD_PRIVACY_PSEUDONYM_KEY`; embedded mode keeps a generated key under data_dir).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from pathlib import Path

from integrations.settings import Settings

PREFIX = "anon-"


def _key(settings: Settings) -> bytes:
    if settings.privacy_pseudonym_key is not None:
        return settings.privacy_pseudonym_key.get_secret_value().encode()
    path = Path(settings.data_dir) / "pseudonym.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32), encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip().encode()


def pseudonym(settings: Settings, tenant_id: str, user_id: str) -> str:
    digest = hmac.new(_key(settings), f"{tenant_id}:{user_id}".encode(), hashlib.sha256)
    return PREFIX + digest.hexdigest()[:24]
