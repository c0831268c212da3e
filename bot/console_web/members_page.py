"""/console/members: the tenant's people and their roles, for those who may manage roles.

A change goes through `agents.roles.change_role`, the same rules as `/bmad role`: the
`manage_roles` permission, never above your own role, the last owner stays, audited.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from agents.access import PermissionDenied
from agents.roles import RoleChangeRefused, change_role
from bot.console_web.access import Refused, form, page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from integrations.db.models import Role, User
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
UserField = Annotated[str, Form(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@|:+-]+$")]


@router.get("/members")
def members(request: Request, who: Annotated[Visitor, page(permission="manage_roles")]) -> Response:
    with tenant_session(settings_of(request).database_url, who.user.tenant_id) as session:
        people = list(session.scalars(select(User)))
    people.sort(key=lambda u: (-u.role.rank, u.external_id))
    mine = who.user_role
    grantable = [r.value for r in sorted(Role, key=lambda r: -r.rank) if mine.at_least(r)]
    return show(request, who, "members.html.j2", people=people, grantable=grantable)


@router.post("/members")
def set_member_role(
    request: Request,
    who: Annotated[Visitor, form(permission="manage_roles")],
    user: UserField,
    role: Annotated[Role, Form()],
) -> Response:
    try:
        change_role(
            settings_of(request),
            who.user.tenant_id,
            actor_id=who.user.user_id,
            target_id=user,
            role=role,
            source="console",
            lang=who.lang,
        )
    except PermissionDenied as err:
        raise Refused(who, "forbidden", 403, err.message) from err
    except RoleChangeRefused as err:
        raise Refused(who, err.reason, 409) from err
    return RedirectResponse("/console/members", status_code=303)
