"""Tenant API keys: created once and shown once, stored as SHA-256 only.

A key looks like `bmad_<prefix>_<secret>`; the prefix is kept in clear so operators can
tell keys apart in listings. The key alone identifies its tenant, so resolving it is the
one lookup that runs before a tenant is known (an admin session reading one row by hash).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.models import ApiKey
from integrations.db.session import admin_session
from integrations.webhooks_out.crypto import hash_token

KEY_PREFIX = "bmad_"
_TOUCH_EVERY = timedelta(minutes=5)


UNBOUND_PREFIX = "api:"


@dataclass(frozen=True)
class ApiPrincipal:
    """Who is calling: the key's tenant and the user the key acts as.

    A key created with `--user U` is bound to that user: it acts with U's role. A key
    without one acts as `api:<prefix>`, a user with no role unless an operator gives it one.
    """

    tenant_id: str
    key_id: int
    user_id: str

    @property
    def bound(self) -> bool:
        return not self.user_id.startswith(UNBOUND_PREFIX)

    def message_user(self, claimed: str) -> str | None:
        """The user id a message is handled as, or None when the key may not speak for
        `claimed`. An unbound key's users are namespaced under the key, so a client cannot
        borrow the role of a Slack user by sending their id."""
        if self.bound:
            return self.user_id if claimed == self.user_id else None
        return f"{self.user_id}:{claimed}"


def create_api_key(
    session: Session, tenant_id: str, *, name: str = "", user_id: str = ""
) -> tuple[ApiKey, str]:
    prefix = secrets.token_hex(4)
    plain = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        tenant_id=tenant_id,
        name=name,
        prefix=prefix,
        key_hash=hash_token(plain),
        user_id=user_id or f"{UNBOUND_PREFIX}{prefix}",
    )
    session.add(key)
    session.flush()
    return key, plain


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(session: Session, prefix: str) -> bool:
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if key is None:
        return False
    key.revoked_at = datetime.now(UTC)
    return True


def resolve_api_key(database_url: str, plain: str) -> ApiPrincipal | None:
    if not plain.startswith(KEY_PREFIX) or len(plain) > 200:
        return None
    with admin_session(database_url) as session:
        key = session.scalars(
            select(ApiKey).where(ApiKey.key_hash == hash_token(plain))
        ).one_or_none()
        if key is None or key.revoked_at is not None:
            return None
        now = datetime.now(UTC)
        last = key.last_used_at
        if last is None or now - last.replace(tzinfo=last.tzinfo or UTC) > _TOUCH_EVERY:
            key.last_used_at = now
        return ApiPrincipal(tenant_id=key.tenant_id, key_id=key.id, user_id=key.user_id)
