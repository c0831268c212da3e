"""/console/members: the tenant's people and their roles, for those who may manage roles.

A change goes through `agents.roles.change_role`, the same rules as `/bmad role`: the
`manage_roles` permission, never above your own role, the last owner stays, audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from agents.access import PermissionDenied, can
from agents.roles import RoleChangeRefused, change_role
from bot.console_web.pages import message, show, signed_in
from bot.console_web.session import csrf_ok, settings_of
from integrations.db.models import Role, User
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
UserField = Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@|:+-]+$")]


@router.get("/members")
def members(request: Request) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None and who.role is not None
    if not can(who.role, "manage_roles"):
        return message(who, "forbidden", 403)
    with tenant_session(settings_of(request).database_url, who.me.tenant_id) as session:
        people = list(session.scalars(select(User)))
    people.sort(key=lambda u: (-u.role.rank, u.external_id))
    grantable = [r.value for r in sorted(Role, key=lambda r: -r.rank) if who.role.at_least(r)]
    return show(request, who, "members.html.j2", people=people, grantable=grantable)


@router.post("/members")
def set_member_role(
    request: Request,
    user: UserField,
    role: Annotated[Role, Form()],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf):
        return message(who, "csrf_failed", 403)
    try:
        change_role(
            settings_of(request),
            who.me.tenant_id,
            actor_id=who.me.user_id,
            target_id=user,
            role=role,
            source="console",
            lang=who.lang,
        )
    except PermissionDenied as err:
        return message(who, "forbidden", 403, text=err.message)
    except RoleChangeRefused as err:
        return message(who, err.reason, 409)
    return RedirectResponse("/console/members", status_code=303)
