"""People's email addresses and their email preferences.

Where an address comes from: an operator or admin (`bmad users set-email`,
`PUT /api/v1/users/{id}`; source `manual`, never overwritten by a lookup) or the user's
Slack profile (`users.info`, needs the `users:read.email` scope; source `slack`, refreshed
after `PROFILE_TTL`). Preferences: a user may opt out of kinds of email (the email
template names in `EMAIL_KINDS`); `wants_email` is checked before an email is queued,
together with the suppression list.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from integrations.db.events import record_audit
from integrations.db.models import User
from integrations.db.tenants import ensure_user, find_user
from integrations.email.suppression import normalise

EMAIL_KINDS = ("approval_request", "escalation", "quota_warning", "payment_failed", "weekly_digest")
PROFILE_TTL = timedelta(days=7)
# One address, no display name: local@domain.tld, no spaces or control characters.
_ADDRESS = re.compile(r"^[^@\s<>\"',;:]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class InvalidEmail(ValueError):
    pass


def clean_address(address: str) -> str:
    value = normalise(address)
    if len(value) > 254 or not _ADDRESS.match(value):
        raise InvalidEmail(address)
    return value


def _masked(address: str | None) -> str | None:
    """For the audit log: which domain, not who (the address itself is personal data)."""
    if not address:
        return None
    return "***@" + address.split("@", 1)[1]


def set_email(
    session: Session,
    tenant_id: str,
    external_id: str,
    address: str | None,
    *,
    actor: str,
    source: str,
) -> User:
    """Set (or with None clear) a user's address; creates the user record when needed."""
    value = clean_address(address) if address else None
    user = ensure_user(session, tenant_id, external_id)
    before = user.email
    user.email = value
    user.email_source = "manual" if value else None
    user.email_checked_at = datetime.now(UTC)
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="user.email_set",
        target=external_id,
        details={"from": _masked(before), "to": _masked(value)},
        source=source,
    )
    return user


def set_opt_out(
    session: Session, tenant_id: str, external_id: str, kinds: list[str], *, actor: str, source: str
) -> User:
    unknown = sorted(set(kinds) - set(EMAIL_KINDS))
    if unknown:
        raise ValueError(f"unknown email kinds: {', '.join(unknown)}")
    user = ensure_user(session, tenant_id, external_id)
    user.email_opt_out = sorted(set(kinds))
    record_audit(
        session,
        tenant_id,
        actor=actor,
        action="user.email_preferences",
        target=external_id,
        details={"opt_out": user.email_opt_out},
        source=source,
    )
    return user


def wants_email(session: Session, address: str, kind: str) -> bool:
    """False when the user(s) of the session's tenant with this address opted out of `kind`."""
    users = session.scalars(select(User).where(func.lower(User.email) == normalise(address)))
    return not any(kind in (u.email_opt_out or []) for u in users)


def needs_profile_lookup(user: User | None, now: datetime | None = None) -> bool:
    """A Slack profile lookup is due: no manual address, and none checked within the TTL."""
    if user is None:
        return True
    if user.email_source == "manual":
        return False
    checked = user.email_checked_at
    if checked is None:
        return True
    checked = checked if checked.tzinfo else checked.replace(tzinfo=UTC)
    return (now or datetime.now(UTC)) - checked > PROFILE_TTL


def store_profile_email(
    session: Session, tenant_id: str, external_id: str, address: str | None
) -> User:
    """Record what Slack's profile said (None: no address or no scope); never overrides a
    manually set address."""
    user = find_user(session, external_id) or ensure_user(session, tenant_id, external_id)
    if user.email_source == "manual":
        return user
    try:
        value = clean_address(address) if address else None
    except InvalidEmail:
        value = None
    if value != user.email:
        record_audit(
            session,
            tenant_id,
            actor="slack",
            action="user.email_set",
            target=external_id,
            details={"from": _masked(user.email), "to": _masked(value)},
            source="slack",
        )
    user.email = value
    user.email_source = "slack" if value else None
    user.email_checked_at = datetime.now(UTC)
    return user


def count_without_email(session: Session) -> int:
    """Users (across tenants in an admin session) that no email can reach."""
    return session.scalar(select(func.count()).select_from(User).where(User.email.is_(None))) or 0
