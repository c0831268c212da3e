"""Page helpers shared by the console routes: who is signed in, a page for them (with the
session cookie re-signed, so idle expiry slides), a one-line message page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from bot.console_web.rendering import page
from bot.console_web.session import (
    Visitor,
    oidc_configured,
    set_session_cookie,
    settings_of,
    visitor,
)
from bot.console_web.texts import texts


def message(
    who: Visitor, key: str, status: int, text: str | None = None, **context: object
) -> Response:
    return page(
        "message.html.j2",
        who.lang,
        status,
        me=who.me,
        role=who.role.value if who.role else "",
        text=text or texts(who.lang)[key],
        **context,
    )


def signed_in(request: Request) -> Visitor | Response:
    who = visitor(request)
    if who.me is None:
        return message(who, "sign_in_needed", 401, oidc=oidc_configured(settings_of(request)))
    return who


def show(request: Request, who: Visitor, name: str, **context: object) -> Response:
    assert who.me is not None and who.role is not None
    response = page(name, who.lang, me=who.me, role=who.role.value, **context)
    set_session_cookie(response, settings_of(request), who.me)  # idle expiry slides
    return response
