"""Signed values for the console: one-time sign-in links and the session cookie.

Why itsdangerous: it signs and timestamps small payloads (HMAC-SHA256 by default) so the
server keeps no session table; the key is derived from the installation's secret key
(BMAD_SECRET_KEY, or the embedded key file), so a rotation also signs everyone out.
One-time use needs a shared memory: the link's nonce is claimed in Redis (SET NX) for as
long as the link lives, so a second visit, on any replica, is refused. Signing out needs it
too: a signed cookie stays valid until it expires, so the session's id (its CSRF token) is
recorded as signed out in Redis for as long as the cookie could live, and refused after.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

from integrations.redis_store import get_redis, global_key
from integrations.settings import Settings
from integrations.webhooks_out.crypto import fernet_key

LINK_MAX_AGE = 15 * 60
SESSION_MAX_AGE = 8 * 60 * 60  # idle expiry: every page view re-signs the cookie
LINK_SALT = "bmad.console.link"
SESSION_SALT = "bmad.console.session"


@dataclass(frozen=True)
class ConsoleUser:
    tenant_id: str
    user_id: str
    csrf: str


def _serializer(settings: Settings, salt: str) -> URLSafeTimedSerializer:
    key = hmac.new(fernet_key(settings), b"bmad-console", hashlib.sha256).hexdigest()
    return URLSafeTimedSerializer(key, salt=salt)


def make_link_token(settings: Settings, tenant_id: str, user_id: str) -> str:
    payload = {"t": tenant_id, "u": user_id, "n": secrets.token_urlsafe(16)}
    return _serializer(settings, LINK_SALT).dumps(payload)


def redeem_link_token(settings: Settings, token: str) -> tuple[str, str] | None:
    """(tenant, user) for a valid, unexpired, never used link; None otherwise."""
    try:
        payload = _serializer(settings, LINK_SALT).loads(token, max_age=LINK_MAX_AGE)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(payload, dict) or not {"t", "u", "n"} <= payload.keys():
        return None
    claimed = get_redis(settings.redis_url).set(
        global_key("console", "link", str(payload["n"])), "1", nx=True, ex=LINK_MAX_AGE + 60
    )
    if not claimed:
        return None
    return str(payload["t"]), str(payload["u"])


def make_session(settings: Settings, tenant_id: str, user_id: str, csrf: str | None = None) -> str:
    payload = {"t": tenant_id, "u": user_id, "c": csrf or secrets.token_urlsafe(24)}
    return _serializer(settings, SESSION_SALT).dumps(payload)


def read_session(settings: Settings, cookie: str | None) -> ConsoleUser | None:
    if not cookie:
        return None
    try:
        payload = _serializer(settings, SESSION_SALT).loads(cookie, max_age=SESSION_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not {"t", "u", "c"} <= payload.keys():
        return None
    user = ConsoleUser(str(payload["t"]), str(payload["u"]), str(payload["c"]))
    if get_redis(settings.redis_url).exists(_signed_out_key(user)):
        return None
    return user


def end_session(settings: Settings, user: ConsoleUser) -> None:
    """Sign out: this session's cookie is refused from now on, on every replica."""
    get_redis(settings.redis_url).set(_signed_out_key(user), "1", ex=SESSION_MAX_AGE + 60)


def _signed_out_key(user: ConsoleUser) -> str:
    digest = hashlib.sha256(user.csrf.encode()).hexdigest()[:32]
    return global_key("console", "signed_out", digest)
