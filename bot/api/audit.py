"""GET /api/v1/audit (admins): the append-only audit log, paged by public entry id."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.permissions import ADMIN_ERRORS, role_refusal
from bot.api.schemas import ErrorOut
from bot.errors import error_body
from integrations.audit_log import AuditRecord, iter_audit, position_of
from integrations.db.public_ids import public_id_pattern
from integrations.db.session import tenant_session

router = APIRouter(tags=["audit"])


class AuditPage(BaseModel):
    entries: list[AuditRecord]
    next_after_id: str | None  # pass as `after_id` for the next page


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
    denied = role_refusal(settings, principal, "export_data")
    if denied is not None:
        return denied
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        after = position_of(session, after_id) if after_id else 0
        if after is None:
            return error_body(404, "unknown_entry", "after_id names no audit entry of this tenant")
        entries = list(iter_audit(session, after_id=after, action_prefix=action, limit=limit))
    next_after = entries[-1].id if len(entries) == limit else None
    return AuditPage(entries=entries, next_after_id=next_after)
