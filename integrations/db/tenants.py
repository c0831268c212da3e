"""Data access for tenants and users (the tenancy tables)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.db.events import record_audit
from integrations.db.models import Role, Tenant, User


class UnknownTenantError(LookupError):
    pass


def create_tenant(
    session: Session,
    tenant_id: str,
    name: str,
    plan: str = "free",
    *,
    actor: str = "system",
    source: str = "system",
) -> Tenant:
    """Get or create; safe when two processes create the same tenant at once.

    Callers pick the plan (`integrations.billing.plans.default_plan_for` unless the operator
    named one); the creation is audited in the same transaction.
    """
    tenant = session.get(Tenant, tenant_id)
    if tenant is not None:
        return tenant
    try:
        with session.begin_nested():  # a SAVEPOINT: losing the race keeps the outer work
            session.add(Tenant(id=tenant_id, name=name, plan=plan))
            session.flush()
            record_audit(
                session,
                tenant_id,
                actor=actor,
                action="tenant.created",
                target=f"tenant:{tenant_id}",
                details={"plan": plan},
                source=source,
            )
            session.flush()
    except IntegrityError:
        pass
    return get_tenant(session, tenant_id)


def get_tenant(session: Session, tenant_id: str) -> Tenant:
    tenant = session.get(Tenant, tenant_id)
    if tenant is None:
        raise UnknownTenantError(tenant_id)
    return tenant


def list_tenants(session: Session) -> list[Tenant]:
    return list(session.scalars(select(Tenant).order_by(Tenant.id)))


def find_user(session: Session, external_id: str) -> User | None:
    """The user with this external id in the session's tenant (the scope hook filters)."""
    return session.scalars(select(User).where(User.external_id == external_id)).one_or_none()


def ensure_user(
    session: Session,
    tenant_id: str,
    external_id: str,
    *,
    display_name: str = "",
    email: str | None = None,
    role: Role = Role.member,
) -> User:
    """Get or create; safe when two turns of a new user arrive at once."""
    user = find_user(session, external_id)
    if user is not None:
        return user
    try:
        with session.begin_nested():
            session.add(
                User(
                    tenant_id=tenant_id,
                    external_id=external_id,
                    display_name=display_name or external_id,
                    email=email,
                    role=role,
                )
            )
    except IntegrityError:
        pass
    user = find_user(session, external_id)
    if user is None:  # either we inserted it or the winner of the race did
        raise RuntimeError(f"user {external_id} was neither inserted nor found")
    return user


def set_role(session: Session, tenant_id: str, external_id: str, role: Role) -> User:
    user = ensure_user(session, tenant_id, external_id, role=role)
    user.role = role
    session.flush()
    return user


def role_of(session: Session, external_id: str) -> Role | None:
    user = find_user(session, external_id)
    return user.role if user else None


def is_last_owner(session: Session, external_id: str) -> bool:
    """Is this user the session tenant's only owner? Demoting or forgetting them would
    leave nobody who may administer the tenant (roles, billing)."""
    if role_of(session, external_id) != Role.owner:
        return False
    owners = session.scalar(select(func.count()).select_from(User).where(User.role == Role.owner))
    return (owners or 0) <= 1


def set_self_approval(session: Session, tenant_id: str, allowed: bool) -> Tenant:
    """Allow (one-person teams) or forbid requesters approving their own production runs."""
    tenant = get_tenant(session, tenant_id)
    tenant.self_approval = allowed
    session.flush()
    return tenant


def self_approval_allowed(session: Session, tenant_id: str) -> bool:
    tenant = session.get(Tenant, tenant_id)
    return bool(tenant and tenant.self_approval)


def users_with_role(session: Session, at_least: Role, limit: int = 10) -> list[str]:
    """External ids of the session tenant's users holding `at_least` or a higher role."""
    users = session.scalars(select(User).order_by(User.external_id))
    return [u.external_id for u in users if u.role.at_least(at_least)][:limit]
