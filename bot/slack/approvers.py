"""Who is told about an approval request: the tenant's Slack user group, else a DM to
each user whose role may decide it (the engine's rule), never more than a few."""

from __future__ import annotations

import re

from sqlalchemy import select

from integrations.db.models import Role, SlackSettings, User
from integrations.db.session import tenant_session
from integrations.settings import Settings

MAX_APPROVER_DMS = 20
GROUP_ID = re.compile(r"^S[A-Z0-9]{2,30}$")


class InvalidGroup(ValueError):
    """Not a Slack user group id (`S…`)."""


def approvers_group(settings: Settings, team: str) -> str | None:
    with tenant_session(settings.database_url, team) as session:
        row = session.scalars(select(SlackSettings)).one_or_none()
        return row.approvers_group if row else None


def set_approvers_group(settings: Settings, team: str, group: str | None) -> None:
    if group is not None and not GROUP_ID.match(group):
        raise InvalidGroup(group)
    with tenant_session(settings.database_url, team) as session:
        row = session.scalars(select(SlackSettings)).one_or_none()
        if row is None:
            session.add(SlackSettings(tenant_id=team, approvers_group=group))
        else:
            row.approvers_group = group


def eligible_approvers(settings: Settings, team: str, role: str | None) -> list[str]:
    """Users whose role may decide this approval, at most MAX_APPROVER_DMS."""
    needed = Role(role or Role.admin.value)
    with tenant_session(settings.database_url, team) as session:
        users = session.scalars(select(User).order_by(User.id)).all()
        found = [u.external_id for u in users if u.role.at_least(needed)]
    return found[:MAX_APPROVER_DMS]
