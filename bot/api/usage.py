"""GET /api/v1/usage: the plan, its period, what is used and left, the next invoice."""

from __future__ import annotations

from fastapi import APIRouter

from bot.api.deps import PrincipalDep, SettingsDep
from bot.api.schemas import ERRORS
from integrations.billing.usage import UsageSummary, usage_summary

router = APIRouter(tags=["billing"])


class UsageOut(UsageSummary):
    tenant: str


@router.get("/usage", response_model=UsageOut, responses=ERRORS)
def get_usage(principal: PrincipalDep, settings: SettingsDep) -> UsageOut:
    summary = usage_summary(settings, principal.tenant_id)
    return UsageOut(tenant=principal.tenant_id, **summary.model_dump())
