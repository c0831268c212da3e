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
from bot.console_web.pages import message, show, signed_in
from bot.console_web.session import Visitor, csrf_ok, settings_of
from integrations.db.models import Role
from integrations.db.session import tenant_session

router = APIRouter(prefix="/console", include_in_schema=False)
KEYS_ROLE = Role.admin


def _admin(request: Request) -> Visitor | Response:
    who = signed_in(request)
    if isinstance(who, Response):
        return who
    assert who.role is not None
    if not who.role.at_least(KEYS_ROLE):
        return message(who, "forbidden", 403)
    return who


def _page(request: Request, who: Visitor, new_key: str = "") -> Response:
    assert who.me is not None
    with tenant_session(settings_of(request).database_url, who.me.tenant_id) as session:
        keys = list_api_keys(session)
    return show(request, who, "keys.html.j2", keys=keys, new_key=new_key)


@router.get("/keys")
def keys(request: Request) -> Response:
    who = _admin(request)
    return who if isinstance(who, Response) else _page(request, who)


@router.post("/keys")
def create_key(
    request: Request,
    name: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = _admin(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf):
        return message(who, "csrf_failed", 403)
    with tenant_session(settings_of(request).database_url, who.me.tenant_id) as session:
        _, plain = create_api_key(
            session,
            who.me.tenant_id,
            name=name.strip(),
            user_id=who.me.user_id,
            actor=who.me.user_id,
            source="console",
        )
    return _page(request, who, new_key=plain)


@router.post("/keys/{prefix}/revoke")
def revoke_key(
    request: Request,
    prefix: Annotated[str, Path(pattern=r"^[0-9a-f]{8}$")],
    csrf: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    who = _admin(request)
    if isinstance(who, Response):
        return who
    assert who.me is not None
    if not csrf_ok(who.me, csrf):
        return message(who, "csrf_failed", 403)
    with tenant_session(settings_of(request).database_url, who.me.tenant_id) as session:
        found = revoke_api_key(session, prefix, actor=who.me.user_id, source="console")
    if not found:
        return message(who, "not_found", 404)
    return RedirectResponse("/console/keys", status_code=303)
