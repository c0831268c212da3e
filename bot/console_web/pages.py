"""Page helpers shared by the console pages: a page for the signed-in person (with the
session cookie re-signed, so idle expiry slides) and the one-line message page."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from bot.console_web.rendering import page
from bot.console_web.session import Visitor, set_session_cookie, settings_of
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


def show(request: Request, who: Visitor, name: str, **context: Any) -> Response:
    response = page(name, who.lang, me=who.user, role=who.user_role.value, **context)
    set_session_cookie(response, settings_of(request), who.user)  # idle expiry slides
    return response
