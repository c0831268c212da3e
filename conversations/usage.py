"""The text of a usage report. One function, so billing can extend the facts it shows."""

from __future__ import annotations

from typing import Any

from integrations.billing.usage import render_usage, usage_summary
from integrations.db.models import Tenant
from integrations.db.session import tenant_session
from integrations.settings import Settings


def usage_facts(settings: Settings, tenant_id: str) -> dict[str, Any]:
    """What we know about the tenant's plan and use (billing adds quotas and counters)."""
    with tenant_session(settings.database_url, tenant_id) as session:
        tenant = session.get(Tenant, tenant_id)
        plan = tenant.plan if tenant is not None else None
    return {"plan": plan}


def usage_text(settings: Settings, tenant_id: str, lang: str) -> str:
    """Plan, period, runs and tokens used and left, next invoice: the billing summary, the
    same one `/bmad usage` and `GET /api/v1/usage` give."""
    return render_usage(usage_summary(settings, tenant_id), lang)
