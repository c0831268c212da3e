"""GET /api/v1/usage: the tenant's plan (the billing module extends this with quotas)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS, UsageOut
from integrations.db.models import Tenant
from integrations.db.session import tenant_session

router = APIRouter(tags=["usage"])


@router.get("/usage", response_model=UsageOut, responses=ERRORS)
def get_usage(principal: PrincipalDep, settings: SettingsDep) -> UsageOut:
    with tenant_session(settings.database_url, principal.tenant_id) as session:
        tenant = session.get(Tenant, principal.tenant_id)
        if tenant is None:  # key outlived its tenant
            raise HTTPException(401, "unauthorized")
        return UsageOut(tenant=tenant.id, plan=tenant.plan)
