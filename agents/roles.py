"""Changing a user's role: permission check, the giver's ceiling, last owner kept, audited.

Used by `/bmad role @user <role>` and any API that changes roles, so the rules live once.
"""

from __future__ import annotations

from agents.access import PermissionDenied, require
from integrations.db.events import record_audit
from integrations.db.models import Role
from integrations.db.session import tenant_session
from integrations.db.tenants import ensure_user, is_last_owner, role_of, set_role
from integrations.settings import Settings


class RoleChangeRefused(Exception):
    """A permitted actor asked for a change the rules forbid; `reason` is a stable code."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def change_role(
    settings: Settings,
    tenant_id: str,
    *,
    actor_id: str,
    target_id: str,
    role: Role,
    source: str,
    lang: str = "en",
) -> Role | None:
    """Give `target_id` `role`; returns the previous role.

    Raises PermissionDenied (names the role needed) or RoleChangeRefused (last owner).
    """
    with tenant_session(settings.database_url, tenant_id) as session:
        actor_role = require(role_of(session, actor_id), "manage_roles", lang)
        previous = role_of(session, target_id)
        if not actor_role.at_least(role):
            raise PermissionDenied("manage_roles", actor_role, role, lang)
        if previous is not None and not actor_role.at_least(previous):
            raise PermissionDenied("manage_roles", actor_role, previous, lang)
        if role != Role.owner and is_last_owner(session, target_id):
            raise RoleChangeRefused("last_owner")
        ensure_user(session, tenant_id, target_id)
        set_role(session, tenant_id, target_id, role)
        record_audit(
            session,
            tenant_id,
            actor=actor_id,
            action="role.change",
            target=target_id,
            details={"from": previous.value if previous else None, "to": role.value},
            source=source,
        )
    return previous
