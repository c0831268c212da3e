"""Who a verified OpenID Connect ID token is in BMAD: (tenant, user), or why not.

- Sign in with Slack: the token carries the workspace (`https://slack.com/team_id`); that
  workspace is the tenant and must have installed BMAD. The user is the Slack user id,
  created as a member on first sign-in, as a first message to the bot would.
- Any other provider signs people into BMAD_OIDC_TENANT, and only people BMAD already
  knows there: found by `sub`, or by a verified email address (`bmad users set-email`).
  An identity provider's directory is not a list of BMAD members.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from integrations.db.models import Tenant, User
from integrations.db.session import admin_session, tenant_session
from integrations.db.tenants import ensure_user, find_user
from integrations.settings import Settings

SLACK_TEAM_CLAIM = "https://slack.com/team_id"
SLACK_USER_CLAIM = "https://slack.com/user_id"
MAX_ID_LENGTH = 64  # users.external_id


@dataclass(frozen=True)
class Refusal:
    """Why a verified identity is not let in; `reason` is a console text key."""

    reason: str


def console_user_for(settings: Settings, claims: Mapping[str, Any]) -> tuple[str, str] | Refusal:
    team = claims.get(SLACK_TEAM_CLAIM)
    if team is not None:
        return _slack_user(settings, claims, str(team))
    return _known_user(settings, claims)


def _slack_user(
    settings: Settings, claims: Mapping[str, Any], team: str
) -> tuple[str, str] | Refusal:
    user_id = str(claims.get(SLACK_USER_CLAIM) or claims.get("sub") or "")
    if not _valid_id(team) or not _valid_id(user_id):
        return Refusal("oidc_unknown_user")
    with admin_session(settings.database_url) as session:
        if session.get(Tenant, team) is None:
            return Refusal("oidc_unknown_workspace")
    with tenant_session(settings.database_url, team) as session:
        name = str(claims.get("name") or "")[:200]
        ensure_user(session, team, user_id, display_name=name)
    return team, user_id


def _known_user(settings: Settings, claims: Mapping[str, Any]) -> tuple[str, str] | Refusal:
    tenant = settings.oidc_tenant
    if not tenant:
        return Refusal("oidc_no_tenant")
    sub = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    verified = claims.get("email_verified") is True
    with tenant_session(settings.database_url, tenant) as session:
        if _valid_id(sub) and find_user(session, sub) is not None:
            return tenant, sub
        if email and verified:
            by_email = session.scalars(
                select(User.external_id).where(
                    User.tenant_id == tenant, func.lower(User.email) == email
                )
            ).all()
            if len(by_email) == 1:  # an address two users share identifies neither
                return tenant, by_email[0]
    return Refusal("oidc_unknown_user")


def _valid_id(value: str) -> bool:
    return 0 < len(value) <= MAX_ID_LENGTH and value.isprintable()
