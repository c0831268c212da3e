"""Slack workspace = tenant. Single-workspace mode creates the tenant on first use.

In OAuth mode the install callback creates it (with the installer as owner); in
single-workspace mode there is no install, so the first turn of a team creates its row.
Runs after the ack only. A process remembers teams it has seen, so it is one query per
team per process.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from integrations.billing.plans import default_plan_for
from integrations.db.events import record_audit
from integrations.db.models import Role
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import create_tenant, set_role
from integrations.settings import Settings

_known: set[tuple[str, str]] = set()


def ensure_tenant(settings: Settings, team_id: str, name: str | None = None) -> None:
    if (settings.database_url, team_id) in _known:
        return
    try:
        with admin_session(settings.database_url) as session:
            create_tenant(
                session, team_id, name or team_id, default_plan_for(settings), source="slack"
            )
    except IntegrityError:
        pass  # created at the same moment by another turn or replica: it exists
    _known.add((settings.database_url, team_id))


def install_tenant(settings: Settings, team_id: str, team_name: str, installer: str) -> None:
    """A new installation: the tenant exists and the installing user is its owner."""
    ensure_tenant(settings, team_id, team_name)
    with tenant_session(settings.database_url, team_id) as session:
        set_role(session, team_id, installer, Role.owner)
        record_audit(
            session,
            team_id,
            actor=installer,
            action="slack_installed",
            target=team_id,
            details={"role": Role.owner.value},
            source="slack",
        )


def forget_team(settings: Settings, team_id: str) -> None:
    _known.discard((settings.database_url, team_id))


def record_uninstall(settings: Settings, team_id: str, action: str) -> None:
    """Audit that the workspace removed the app (or revoked its tokens)."""
    with tenant_session(settings.database_url, team_id) as session:
        record_audit(session, team_id, actor="slack", action=action, source="slack")
