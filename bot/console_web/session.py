"""Who is signed in: the session cookie, the user's role, CSRF checks on every form.

The cookie is signed (itsdangerous), HttpOnly, SameSite=Lax, Secure when BMAD_PUBLIC_URL is
https, and re-signed on every page (idle expiry after SESSION_MAX_AGE). Each session has its
own CSRF token, which every form posts back; SameSite alone does not cover old browsers.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from bot.console_web.signing import SESSION_MAX_AGE, ConsoleUser, make_session, read_session
from bot.console_web.texts import LANG_COOKIE, pick_lang
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.settings import Settings

SESSION_COOKIE = "bmad_console"


@dataclass(frozen=True)
class Visitor:
    """The request's language and, when signed in with a role, the user."""

    lang: str
    me: ConsoleUser | None
    role: Role | None

    @property
    def user(self) -> ConsoleUser:
        """The signed-in user; pages behind `access.page`/`access.form` always have one."""
        if self.me is None:
            raise LookupError("not signed in")
        return self.me

    @property
    def user_role(self) -> Role:
        """The signed-in user's role (as `user`)."""
        if self.role is None:
            raise LookupError("not signed in")
        return self.role


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def visitor(request: Request) -> Visitor:
    settings = settings_of(request)
    lang = pick_lang(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))
    me = read_session(settings, request.cookies.get(SESSION_COOKIE))
    if me is None:
        return Visitor(lang, None, None)
    with tenant_session(settings.database_url, me.tenant_id) as session:
        role = role_of(session, me.user_id)
    if role is None:  # the role was taken away since sign-in: signed out
        return Visitor(lang, None, None)
    request.state.tenant_id = me.tenant_id  # for the access log line
    return Visitor(lang, me, role)


def oidc_configured(settings: Settings) -> bool:
    """OpenID Connect sign-in is offered (bot/console_web/oidc.py)."""
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


def csrf_ok(me: ConsoleUser, sent: object) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(me.csrf.encode(), sent.encode())


def secure_cookies(settings: Settings) -> bool:
    return settings.public_url.lower().startswith("https://")


def set_session_cookie(response: Response, settings: Settings, me: ConsoleUser) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        make_session(settings, me.tenant_id, me.user_id, me.csrf),
        max_age=SESSION_MAX_AGE,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=secure_cookies(settings),
    )
