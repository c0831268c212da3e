"""A user's data (admins): GET /api/v1/users/{id}/export and DELETE /api/v1/users/{id}
(forget: conversations in Redis, database records pseudonymised, API keys revoked)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from fastapi.responses import JSONResponse

from agents.access import Permission
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.keys import ApiPrincipal
from bot.api.permissions import ADMIN_ERRORS, role_refusal
from bot.api.schemas import ID_PATTERN, ErrorOut
from bot.errors import error_body
from conversations.privacy import forget_conversations
from integrations.privacy.export import export_user_data
from integrations.privacy.forget import (
    ForgetReport,
    LastOwnerKept,
    forget_user_data,
    is_known_user,
    refuse_last_owner,
)
from integrations.settings import Settings

router = APIRouter(tags=["privacy"])
UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


class ForgetOut(ForgetReport):
    conversations_deleted: int


UNKNOWN_USER: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "the tenant has no data of this user"}
}


@router.get("/users/{user_id}/export", responses={**ADMIN_ERRORS, **UNKNOWN_USER})
def export_user(user_id: UserId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    refused = _refusal(settings, principal, "export_data", user_id)
    if refused is not None:
        return refused
    return export_user_data(
        settings, principal.tenant_id, user_id, requested_by=principal.user_id, source="api"
    )


LAST_OWNER: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorOut,
        "description": "the tenant's only owner: name another owner first (nothing deleted)",
    }
}


@router.delete(
    "/users/{user_id}",
    response_model=ForgetOut,
    responses={**ADMIN_ERRORS, **UNKNOWN_USER, **LAST_OWNER},
)
def forget_user(user_id: UserId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Delete a user's data: conversation documents (Redis) and database records."""
    refused = _refusal(settings, principal, "delete_data", user_id)
    if refused is not None:
        return refused
    try:
        refuse_last_owner(settings, principal.tenant_id, user_id)  # before anything goes
    except LastOwnerKept:
        return error_body(
            409, "last_owner", "the tenant's only owner cannot be forgotten; name another first"
        )
    conversations = forget_conversations(settings, principal.tenant_id, user_id)
    report = forget_user_data(
        settings, principal.tenant_id, user_id, requested_by=principal.user_id, source="api"
    )
    return ForgetOut(conversations_deleted=conversations, **report.model_dump())


def _refusal(
    settings: Settings, principal: ApiPrincipal, permission: Permission, user_id: str
) -> JSONResponse | None:
    """403 when the key's user may not, 404 when the tenant has no data of `user_id`."""
    denied = role_refusal(settings, principal, permission)
    if denied is not None:
        return denied
    if not is_known_user(settings, principal.tenant_id, user_id):
        return error_body(404, "unknown_user", "the tenant has no data of this user")
    return None
