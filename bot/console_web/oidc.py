"""Console sign-in with OpenID Connect: `/console/oidc/login` and `/console/oidc/callback`.

Why Authlib's Starlette client: it does discovery, the authorization-code redirect with
state and nonce, the code exchange and the ID token checks (signature against the
provider's JWKS, issuer, audience, expiry, nonce) - the parts hand-written OIDC gets wrong.
It keeps the state and nonce in a session; that session is a short-lived signed cookie of
this sub-app only (Starlette's SessionMiddleware, path /console/oidc), so no other route
pays for it. Who the verified person is in BMAD is decided in `oidc_people`.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid

import httpx
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.starlette_client import OAuth
from joserfc.errors import JoseError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from bot.console_web.oidc_people import Refusal, console_user_for
from bot.console_web.pages import message
from bot.console_web.session import (
    Visitor,
    oidc_configured,
    secure_cookies,
    set_session_cookie,
    visitor,
)
from bot.console_web.signing import ConsoleUser
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.webhooks_out.crypto import fernet_key

log = get_logger(__name__)
MOUNT = "/console/oidc"
STATE_MAX_AGE = 10 * 60  # from the redirect to the provider until the callback
PROVIDER = "oidc"
SCOPES = "openid profile email"


def oidc_app(settings: Settings) -> Starlette:
    """The sub-app mounted at MOUNT; without BMAD_OIDC_* its routes answer 404."""
    oauth = OAuth()
    issuer, secret = settings.oidc_issuer, settings.oidc_client_secret
    if oidc_configured(settings) and issuer and secret:
        oauth.register(
            name=PROVIDER,
            client_id=settings.oidc_client_id,
            client_secret=secret.get_secret_value(),
            server_metadata_url=_discovery_url(issuer),
            client_kwargs={"scope": SCOPES, "timeout": 10.0},
        )

    async def login(request: Request) -> Response:
        client = oauth.create_client(PROVIDER)
        if client is None:
            return message(_anonymous(request), "not_found", 404)
        redirect_uri = f"{settings.public_url.rstrip('/')}{MOUNT}/callback"
        try:
            return await client.authorize_redirect(request, redirect_uri)
        except (OAuthError, httpx.HTTPError, ValueError) as err:  # discovery failed
            log.warning("oidc_login_failed", error=type(err).__name__)
            return message(_anonymous(request), "oidc_failed", 502)

    async def callback(request: Request) -> Response:
        client = oauth.create_client(PROVIDER)
        if client is None:
            return message(_anonymous(request), "not_found", 404)
        try:
            token = await client.authorize_access_token(request)
        except (OAuthError, JoseError, httpx.HTTPError, ValueError, KeyError) as err:
            log.warning("oidc_callback_refused", error=type(err).__name__)
            return message(_anonymous(request), "oidc_failed", 400)
        claims = token.get("userinfo")
        if not claims:  # no ID token: nothing says who this is
            return message(_anonymous(request), "oidc_failed", 400)
        found = await run_in_threadpool(console_user_for, settings, dict(claims))
        if isinstance(found, Refusal):
            return message(_anonymous(request), found.reason, 403)
        tenant_id, user_id = found
        response = RedirectResponse("/console", status_code=303)
        set_session_cookie(response, settings, ConsoleUser(tenant_id, user_id, uuid.uuid4().hex))
        return response

    app = Starlette(
        routes=[Route("/login", login), Route("/callback", callback)],
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=_state_key(settings),
                session_cookie="bmad_oidc",
                max_age=STATE_MAX_AGE,
                path=MOUNT,
                same_site="lax",  # the callback is a top-level GET from the provider
                https_only=secure_cookies(settings),
            )
        ],
    )
    app.state.settings = settings
    return app


def _discovery_url(issuer: str) -> str:
    return f"{issuer.rstrip('/')}/.well-known/openid-configuration"


def _state_key(settings: Settings) -> str:
    return hmac.new(fernet_key(settings), b"bmad-console-oidc", hashlib.sha256).hexdigest()


def _anonymous(request: Request) -> Visitor:
    return Visitor(visitor(request).lang, None, None)
