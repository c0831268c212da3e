"""An operator changes a tenant's plan (`bmad tenants set T --plan P`, `tenants create --plan`).

Audited in the same transaction, like every change of what a tenant may do. With Stripe the
subscription webhooks keep setting the plan as before; this is for operators (self-hosted
installs, support, enterprise contracts).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from integrations.billing.plans import load_catalog
from integrations.db.events import record_audit
from integrations.db.tenants import get_tenant


class UnknownPlanError(ValueError):
    pass


def set_plan(session: Session, tenant_id: str, plan: str, *, actor: str, source: str) -> bool:
    """Set the plan; False when it already was that plan (nothing audited)."""
    if plan not in load_catalog().plans:
        raise UnknownPlanError(plan)
    tenant = get_tenant(session, tenant_id)
    if tenant.plan == plan:
        return False
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="tenant.plan_changed",
        target=f"tenant:{tenant_id}",
        details={"from": tenant.plan, "to": plan},
        source=source,
    )
    tenant.plan = plan
    return True
