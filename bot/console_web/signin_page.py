"""Signing in and out of the console, and the language choice.

A one-time link (`bmad console link`) becomes the session cookie and leaves the address
bar; OpenID Connect sign-in is `oidc.py`. Signing out and switching language are forms
(CSRF-checked like every POST).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from bot.console_web.access import Refused, form
from bot.console_web.pages import message
from bot.console_web.session import (
    Visitor,
    clear_session_cookie,
    set_session_cookie,
    settings_of,
    visitor,
)
from bot.console_web.signing import ConsoleUser, end_session, redeem_link_token
from bot.console_web.texts import LANG_COOKIE, LANGS

router = APIRouter(prefix="/console", include_in_schema=False)


@router.get("")
def home() -> Response:
    return RedirectResponse("/console/runs", status_code=303)


@router.get("/signin")
def sign_in(request: Request, token: Annotated[str, Query(max_length=1000)] = "") -> Response:
    settings = settings_of(request)
    redeemed = redeem_link_token(settings, token) if token else None
    if redeemed is None:
        return message(Visitor(visitor(request).lang, None, None), "link_invalid", 400)
    tenant_id, user_id = redeemed
    response = RedirectResponse("/console", status_code=303)  # the token leaves the URL bar
    set_session_cookie(response, settings, ConsoleUser(tenant_id, user_id, uuid.uuid4().hex))
    return response


@router.post("/signout")
def sign_out(request: Request, who: Annotated[Visitor, form()]) -> Response:
    end_session(settings_of(request), who.user)  # a copy of the cookie is refused too
    response = message(Visitor(who.lang, None, None), "signed_out", 200)
    clear_session_cookie(response, settings_of(request))
    return response


@router.post("/lang")
def set_lang(
    who: Annotated[Visitor, form()], lang: Annotated[str, Form(max_length=5)] = "en"
) -> Response:
    if lang not in LANGS:
        raise Refused(who, "unknown_language", 400)
    response = RedirectResponse("/console", status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/console", samesite="lax")
    return response
