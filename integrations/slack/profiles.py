"""People's email addresses from their Slack profile (`users.info`, `users:read.email`).

Why: approval, escalation, quota and digest emails need `users.email`, and in a Slack
install the profile is where it lives. Looked up after a user's turn when the stored one
is missing or older than `PROFILE_TTL` (a manually set address is never replaced); a
missing scope or an API error is remembered as "checked" too, so Slack is asked at most
once per TTL per user. A per-process memo keeps the hot path free of database reads.
"""

from __future__ import annotations

import time

from slack_sdk.errors import SlackApiError

from integrations.db.session import tenant_session
from integrations.db.tenants import find_user
from integrations.email.addresses import needs_profile_lookup, store_profile_email
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.client import web_client
from integrations.slack.installations import bot_token_for

log = get_logger(__name__)
MEMO_SECONDS = 3600.0
_checked: dict[tuple[str, str, str], float] = {}


def refresh_profile_email(settings: Settings, team_id: str, user_id: str) -> str | None:
    """Look the user's address up when due; returns the stored address (or None)."""
    memo = (settings.database_url, team_id, user_id)
    if time.monotonic() - _checked.get(memo, -MEMO_SECONDS) < MEMO_SECONDS:
        return None
    with tenant_session(settings.database_url, team_id) as session:
        user = find_user(session, user_id)
        due = needs_profile_lookup(user)
        current = user.email if user else None
    if not due:
        _checked[memo] = time.monotonic()
        return current
    address = _lookup(settings, team_id, user_id)
    with tenant_session(settings.database_url, team_id) as session:
        stored = store_profile_email(session, team_id, user_id, address).email
    _checked[memo] = time.monotonic()
    return stored


def _lookup(settings: Settings, team_id: str, user_id: str) -> str | None:
    token = bot_token_for(settings, team_id)
    if token is None:
        return None
    try:
        response = web_client(settings, token).users_info(user=user_id)
    except SlackApiError as err:  # missing_scope (no users:read.email), user_not_found, ...
        log.info("slack_profile_unavailable", error=err.response.get("error"))
        return None
    profile = (response.get("user") or {}).get("profile") or {}
    email = profile.get("email")
    return str(email) if email else None
