"""The role check of admin routes: the key's user must hold the permission in the tenant
(`bmad users set-role`); a refusal is a 403 that names the role needed, like Slack's."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from agents.access import Permission, PermissionDenied, require
from bot.api.keys import ApiPrincipal
from bot.api.schemas import ERRORS, ErrorOut
from bot.errors import error_body
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.settings import Settings

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorOut, "description": "the key's user lacks the required role"},
}


def role_refusal(
    settings: Settings, principal: ApiPrincipal, permission: Permission
) -> JSONResponse | None:
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        role = role_of(session, principal.user_id)
    try:
        require(role, permission)
    except PermissionDenied as err:
        return error_body(403, "not_allowed", err.message, required_role=err.needed_role.value)
    return None
