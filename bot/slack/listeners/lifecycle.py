"""app_uninstalled and tokens_revoked: forget the installation (OAuth mode).

The tenant and its data stay (billing, audit, export); only the tokens go, so nothing can
be posted into a workspace that removed the app.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack.handoff import hand_off
from bot.slack.tenancy import forget_team, record_uninstall
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.installations import installation_store, oauth_mode

log = get_logger(__name__)


def register(app: App, settings: Settings) -> None:
    def on_uninstalled(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        team = str(context.team_id or body.get("team_id"))
        data = {"team": team, "enterprise_id": context.enterprise_id}
        hand_off(settings, context, "uninstall", data)
        ack()

    def on_tokens_revoked(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        team = str(context.team_id or body.get("team_id"))
        if oauth_mode(settings):
            data = {
                "team": team,
                "enterprise_id": context.enterprise_id,
                "tokens": event.get("tokens", {}),
            }
            hand_off(settings, context, "revoke", data)
        ack()

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)


def run_uninstall(settings: Settings, data: dict[str, Any]) -> None:
    team, enterprise_id = data["team"], data.get("enterprise_id")
    if oauth_mode(settings):
        installation_store(settings).delete_all(enterprise_id=enterprise_id, team_id=team)
    forget_team(settings, team)
    record_uninstall(settings, team, "app_uninstalled")
    log.info("slack_app_uninstalled", tenant_id=team)


def run_revoke(settings: Settings, data: dict[str, Any]) -> None:
    team, enterprise_id = data["team"], data.get("enterprise_id")
    tokens: dict[str, list[str]] = data.get("tokens") or {}
    store = installation_store(settings)
    for user_id in tokens.get("oauth", []):
        store.delete_installation(enterprise_id=enterprise_id, team_id=team, user_id=user_id)
    if tokens.get("bot"):
        store.delete_bot(enterprise_id=enterprise_id, team_id=team)
    record_uninstall(settings, team, "tokens_revoked")
    log.info("slack_tokens_revoked", tenant_id=team)
