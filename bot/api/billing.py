"""GET /api/v1/usage (plan, period, used and left, next invoice), GET /api/v1/audit
(admins: the append-only audit log) and user data export / forget (admins).

The key's user must hold the permission in the tenant (`bmad users set-role`); a refusal
is a 403 that names the role needed, like Slack's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from agents.access import Permission, PermissionDenied, require
from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.keys import ApiPrincipal
from bot.api.schemas import ERRORS, ID_PATTERN, ErrorOut
from bot.errors import error_body
from conversations.privacy import forget_conversations
from integrations.audit_log import AuditRecord, iter_audit, position_of
from integrations.billing.usage import UsageSummary, usage_summary
from integrations.db.public_ids import public_id_pattern
from integrations.db.session import tenant_session
from integrations.db.tenants import role_of
from integrations.privacy.export import export_user_data
from integrations.privacy.forget import ForgetReport, forget_user_data, is_known_user
from integrations.settings import Settings

router = APIRouter(tags=["billing", "audit", "privacy"])

ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorOut, "description": "the key's user lacks the required role"},
}
UserId = Annotated[str, Path(min_length=1, max_length=64, pattern=ID_PATTERN)]


class UsageOut(UsageSummary):
    tenant: str


class ForgetOut(ForgetReport):
    conversations_deleted: int


class AuditPage(BaseModel):
    entries: list[AuditRecord]
    next_after_id: str | None  # pass as `after_id` for the next page


def _denied(
    settings: Settings, principal: ApiPrincipal, permission: Permission
) -> JSONResponse | None:
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        role = role_of(session, principal.user_id)
    try:
        require(role, permission)
    except PermissionDenied as err:
        return error_body(403, "not_allowed", err.message, required_role=err.needed_role.value)
    return None


@router.get("/usage", response_model=UsageOut, responses=ERRORS)
def get_usage(principal: PrincipalDep, settings: SettingsDep) -> UsageOut:
    summary = usage_summary(settings, principal.tenant_id)
    return UsageOut(tenant=principal.tenant_id, **summary.model_dump())


AUDIT_ERRORS = {
    **ADMIN_ERRORS,
    404: {"model": ErrorOut, "description": "after_id names no entry of this tenant"},
}


@router.get("/audit", response_model=AuditPage, responses=AUDIT_ERRORS)
def get_audit(
    principal: PrincipalDep,
    settings: SettingsDep,
    after_id: Annotated[str | None, Query(max_length=64, pattern=public_id_pattern("aud"))] = None,
    action: Annotated[str | None, Query(max_length=64, pattern=r"^[a-z_.]+$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage | JSONResponse:
    denied = _denied(settings, principal, "export_data")
    if denied is not None:
        return denied
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        after = position_of(session, after_id) if after_id else 0
        if after is None:
            return error_body(404, "unknown_entry", "after_id names no audit entry of this tenant")
        entries = list(iter_audit(session, after_id=after, action_prefix=action, limit=limit))
    next_after = entries[-1].id if len(entries) == limit else None
    return AuditPage(entries=entries, next_after_id=next_after)


UNKNOWN_USER: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "the tenant has no data of this user"}
}


@router.get("/users/{user_id}/export", responses={**ADMIN_ERRORS, **UNKNOWN_USER})
def export_user(user_id: UserId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    denied = _denied(settings, principal, "export_data")
    if denied is not None:
        return denied
    if not is_known_user(settings, principal.tenant_id, user_id):
        return error_body(404, "unknown_user", "the tenant has no data of this user")
    return export_user_data(
        settings, principal.tenant_id, user_id, requested_by=principal.user_id, source="api"
    )


@router.delete(
    "/users/{user_id}",
    response_model=ForgetOut,
    responses={**ADMIN_ERRORS, **UNKNOWN_USER},
)
def forget_user(user_id: UserId, principal: PrincipalDep, settings: SettingsDep) -> Any:
    """Delete a user's data: conversation documents (Redis) and database records."""
    denied = _denied(settings, principal, "delete_data")
    if denied is not None:
        return denied
    if not is_known_user(settings, principal.tenant_id, user_id):
        return error_body(404, "unknown_user", "the tenant has no data of this user")
    conversations = forget_conversations(settings, principal.tenant_id, user_id)
    report = forget_user_data(
        settings, principal.tenant_id, user_id, requested_by=principal.user_id, source="api"
    )
    return ForgetOut(conversations_deleted=conversations, **report.model_dump())
