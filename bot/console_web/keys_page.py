"""/console/keys: API keys of the tenant, for admins and owners.

A key made here acts as the signed-in admin (it is bound to them): making a key for someone
else would let an admin act as an owner. Keys for other users stay an operator's job
(`bmad apikeys create --user`). The key is shown once, on the page answering the POST,
which is never cached; only its hash is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from bot.api.keys import create_api_key, list_api_keys, revoke_api_key
from bot.console_web.access import Refused, form, page
from bot.console_web.pages import show
from bot.console_web.session import Visitor, settings_of
from integrations.db.models import Role
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
Admin = Annotated[Visitor, page(Role.admin)]
AdminForm = Annotated[Visitor, form(Role.admin)]


def _page(request: Request, who: Visitor, new_key: str = "") -> Response:
    with tenant_session(settings_of(request).database_url, who.user.tenant_id) as session:
        keys = list_api_keys(session)
    return show(request, who, "keys.html.j2", keys=keys, new_key=new_key)


@router.get("/keys")
def keys(request: Request, who: Admin) -> Response:
    return _page(request, who)


@router.post("/keys")
def create_key(
    request: Request, who: AdminForm, name: Annotated[str, Form(max_length=100)] = ""
) -> Response:
    if not name.isprintable():  # NUL, newlines and other control characters
        raise Refused(who, "name_not_text", 422)
    me = who.user
    with tenant_session(settings_of(request).database_url, me.tenant_id) as session:
        _, plain = create_api_key(
            session,
            me.tenant_id,
            name=name.strip(),
            user_id=me.user_id,
            actor=me.user_id,
            source="console",
        )
    return _page(request, who, new_key=plain)


@router.post("/keys/{prefix}/revoke")
def revoke_key(
    request: Request, who: AdminForm, prefix: Annotated[str, Path(pattern=r"^[0-9a-f]{8}$")]
) -> Response:
    me = who.user
    with tenant_session(settings_of(request).database_url, me.tenant_id) as session:
        found = revoke_api_key(session, prefix, actor=me.user_id, source="console")
    if not found:
        raise Refused(who, "not_found", 404)
    return RedirectResponse("/console/keys", status_code=303)
