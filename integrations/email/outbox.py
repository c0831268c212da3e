"""Queue emails as outbox events inside the caller's transaction.

Why the outbox: the email is sent if and only if the change it reports committed, and a
SendGrid outage only delays it (the delivery task retries) instead of failing the change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from integrations.db.events import enqueue_event
from integrations.db.models import OutboxEvent, Role, User
from integrations.email.addresses import wants_email
from integrations.email.suppression import is_suppressed, normalise
from integrations.email.templates import render_email

EMAIL_EVENT = "email.send"


def queue_email(
    session: Session,
    tenant_id: str,
    *,
    to: str,
    template: str,
    lang: str = "en",
    context: dict[str, Any] | None = None,
) -> OutboxEvent | None:
    """Render and queue one email; None when the address is suppressed (never emailed) or
    its user opted out of this kind of email (`template` is the kind)."""
    if not to or is_suppressed(session, to) or not wants_email(session, to, template):
        return None
    mail = render_email(template, lang, **(context or {}))
    payload = {"to": normalise(to), **mail.model_dump()}
    event = enqueue_event(session, tenant_id, EMAIL_EVENT, payload)
    session.flush()  # callers may want the id (and a bad row fails here, not at commit)
    return event


def admin_recipients(session: Session, *, with_email: bool = True) -> list[User]:
    """Admins and owners of the session's tenant (only those with an address by default)."""
    users = session.scalars(select(User).order_by(User.id))
    return [u for u in users if u.role.at_least(Role.admin) and (u.email or not with_email)]


def queue_admin_emails(
    session: Session,
    tenant_id: str,
    template: str,
    context: dict[str, Any] | None = None,
    lang: str = "en",
) -> list[OutboxEvent]:
    events = []
    for user in admin_recipients(session):
        event = queue_email(
            session, tenant_id, to=user.email or "", template=template, lang=lang, context=context
        )
        if event is not None:
            events.append(event)
    return events
