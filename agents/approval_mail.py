"""Approval requests and escalations by email, to the users who may decide.

Called for every `approval_request` notice (`agents.notify.deliver`). Recipients: users of
the tenant whose role is at least the step's approval role and who have an address; an
escalation (the approval timed out once) goes to the step's `escalate_to` role, else the
next role up (admin -> owner). The
email links to the Slack thread where the buttons are. Once per notice dedupe key.
"""

from __future__ import annotations

from sqlalchemy import select

from agents.notice import Notice
from integrations.db.models import Role, User
from integrations.db.session import tenant_session
from integrations.email.outbox import queue_email
from integrations.redis_store import get_redis, key
from integrations.settings import Settings

GUARD_TTL = 7 * 24 * 3600


def thread_url(conversation_key: str) -> str:
    """`tenant:slack:C123:1700000000.000100` -> the Slack permalink of that thread."""
    parts = conversation_key.split(":")
    if len(parts) >= 4 and parts[1] == "slack":
        channel, ts = parts[2], parts[3]
        return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return ""


def _lookup_missing_addresses(settings: Settings, tenant_id: str, required: Role) -> None:
    """Approvers without an address may have one in their Slack profile (an admin who only
    ever clicks buttons never sends the turn that would look it up)."""
    from integrations.slack.installations import oauth_mode
    from integrations.slack.profiles import refresh_profile_email

    if settings.slack_bot_token is None and not oauth_mode(settings):
        return
    with tenant_session(settings.database_url, tenant_id) as session:
        missing = [
            u.external_id
            for u in session.scalars(select(User).where(User.email.is_(None)))
            if u.role.at_least(required)
        ]
    for external_id in missing:
        try:
            refresh_profile_email(settings, tenant_id, external_id)
        except Exception:  # Slack down: the email goes to whoever has an address
            continue


def email_approvers(settings: Settings, notice: Notice) -> int:
    """Queue the email for each approver; returns how many were queued."""
    if notice.kind != "approval_request":
        return 0
    if notice.dedupe_key:
        guard = key(notice.tenant_id, "approval_email", notice.dedupe_key)
        if not get_redis(settings.redis_url).set(guard, "1", nx=True, ex=GUARD_TTL):
            return 0
    required = Role(notice.approval_role or "admin")
    escalated = notice.escalated
    context = {
        "title": notice.title or notice.extra.get("workflow", f"run {notice.run_id}"),
        "run_id": notice.run_id,
        "approval_role": required.value,
        "text": notice.text,
        "thread_url": thread_url(notice.conversation_key) or settings.public_url,
    }
    _lookup_missing_addresses(settings, notice.tenant_id, required)
    queued = 0
    with tenant_session(settings.database_url, notice.tenant_id) as session:
        reachable = [u for u in session.scalars(select(User).where(User.email.is_not(None)))]
        wanted = [u for u in reachable if u.role.at_least(required) and u.email]
        if escalated:
            # An approval nobody decided goes to the next role up (admin -> owner); when
            # nobody there has an address, to the same role again rather than to no one.
            target = Role(notice.escalate_to or required.next_up().value)
            higher = [u for u in wanted if u.role.at_least(target)]
            wanted = higher or wanted
        for user in wanted:
            if not user.email:
                continue
            event = queue_email(
                session,
                notice.tenant_id,
                to=user.email,
                template="escalation" if escalated else "approval_request",
                lang=notice.lang,
                context=context,
            )
            queued += event is not None
    return queued
