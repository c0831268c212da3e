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

from integrations.db.events import record_audit
from integrations.db.models import ApiKey
from integrations.db.session import admin_session
from integrations.webhooks_out.crypto import hash_token

KEY_PREFIX = "bmad_"
_TOUCH_EVERY = timedelta(minutes=5)


UNBOUND_PREFIX = "api:"


@dataclass(frozen=True)
class ApiPrincipal:
    """Who is calling: the key's tenant and the user the key acts as.

    A key created with `--user U` is bound to that user: it acts only as U, with U's role
    and U's rate limit. A key without one (`--scope read`) is `api:<prefix>` and read-only:
    it may not send messages or start, approve, reject or cancel runs.
    """

    tenant_id: str
    key_id: int
    user_id: str

    @property
    def bound(self) -> bool:
        return not self.user_id.startswith(UNBOUND_PREFIX)

    def message_user(self, claimed: str) -> str | None:
        """The user id a message is handled as, or None when the key may not speak for
        `claimed`: only a bound key speaks, and only for its own user."""
        if self.bound and claimed == self.user_id:
            return self.user_id
        return None


def create_api_key(
    session: Session,
    tenant_id: str,
    *,
    name: str = "",
    user_id: str = "",
    actor: str = "system",
    source: str = "cli",
) -> tuple[ApiKey, str]:
    """A new key (printed once); audited, since a key is access to the tenant."""
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
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="apikey.created",
        target=f"apikey:{prefix}",
        details={"name": name, "user": key.user_id},
        source=source,
    )
    return key, plain


def list_api_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_api_key(
    session: Session, prefix: str, *, actor: str = "system", source: str = "cli"
) -> bool:
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one_or_none()
    if key is None:
        return False
    key.revoked_at = datetime.now(UTC)
    record_audit(
        session,
        key.tenant_id,
        actor=actor,
        action="apikey.revoked",
        target=f"apikey:{prefix}",
        details={"name": key.name, "user": key.user_id},
        source=source,
    )
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
