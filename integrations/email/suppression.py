"""The email suppression list (global: a dead mailbox is dead for every tenant)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from integrations.db.models import EmailSuppression

SUPPRESSING_EVENTS = ("bounce", "dropped", "spamreport")


def normalise(address: str) -> str:
    return address.strip().lower()


def is_suppressed(session: Session, address: str) -> bool:
    return session.get(EmailSuppression, normalise(address)) is not None


def suppress(session: Session, address: str, reason: str) -> bool:
    """Add an address; False when it was already on the list."""
    email = normalise(address)
    if not email or session.get(EmailSuppression, email) is not None:
        return False
    try:
        with session.begin_nested():  # a concurrent webhook may add the same address
            session.add(EmailSuppression(email=email, reason=reason[:32]))
    except IntegrityError:
        return False
    return True


def suppressed_among(session: Session, addresses: list[str]) -> set[str]:
    wanted = [normalise(a) for a in addresses]
    rows = session.scalars(select(EmailSuppression.email).where(EmailSuppression.email.in_(wanted)))
    return set(rows)
