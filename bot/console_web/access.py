"""Who may see a console page or post its form, as FastAPI dependencies.

Every page declares what it needs in its signature - `who: Annotated[Visitor, page()]`,
`page(Role.admin)`, `form(permission="manage_workflows")` - and the handler only runs for
a signed-in person with that role whose form carries the session's CSRF token. A refusal
is raised as `Refused` and rendered once, by `refused_page`, as the one-line message page.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response

from agents.access import Permission, can
from bot.console_web.pages import message
from bot.console_web.session import Visitor, csrf_ok, oidc_configured, settings_of, visitor
from integrations.db.models import Role


class Refused(Exception):
    """A page or form refused; `key` is the console text shown (or `text` itself)."""

    def __init__(self, who: Visitor, key: str, status: int, text: str | None = None) -> None:
        super().__init__(key)
        self.who, self.key, self.status, self.text = who, key, status, text


def refused_page(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, Refused):  # registered for Refused only
        raise exc
    extra = {"oidc": oidc_configured(settings_of(request))} if exc.status == 401 else {}
    return message(exc.who, exc.key, exc.status, exc.text, **extra)


def _allowed(request: Request, role: Role | None, permission: Permission | None) -> Visitor:
    who = visitor(request)
    if who.me is None or who.role is None:
        raise Refused(who, "sign_in_needed", 401)
    if (role is not None and not who.role.at_least(role)) or (
        permission is not None and not can(who.role, permission)
    ):
        raise Refused(who, "forbidden", 403)
    return who


def page(role: Role | None = None, permission: Permission | None = None) -> Any:
    """A signed-in person (with `role` or `permission`, when given)."""

    def dependency(request: Request) -> Visitor:
        return _allowed(request, role, permission)

    return Depends(dependency)


def form(role: Role | None = None, permission: Permission | None = None) -> Any:
    """As `page`, and the form's `csrf` field must be the session's token."""

    def dependency(request: Request, csrf: Annotated[str, Form(max_length=200)] = "") -> Visitor:
        who = _allowed(request, role, permission)
        if not csrf_ok(who.user, csrf):
            raise Refused(who, "csrf_failed", 403)
        return who

    return Depends(dependency)
