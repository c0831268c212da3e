"""app_uninstalled and tokens_revoked: forget the installation (OAuth mode).

The tenant and its data stay (billing, audit, export); only the tokens go, so nothing can
be posted into a workspace that removed the app.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext

from bot.slack.background import after_ack
from bot.slack.tenancy import forget_team, record_uninstall
from integrations.observability.logging import get_logger
from integrations.settings import Settings
from integrations.slack.installations import installation_store, oauth_mode

log = get_logger(__name__)


def register(app: App, settings: Settings) -> None:
    def on_uninstalled(ack: Ack, body: dict[str, Any], context: BoltContext) -> None:
        ack()
        team = str(context.team_id or body.get("team_id"))
        after_ack(_forget_installation, team, context.enterprise_id)

    def _forget_installation(team: str, enterprise_id: str | None) -> None:
        if oauth_mode(settings):
            installation_store(settings).delete_all(enterprise_id=enterprise_id, team_id=team)
        forget_team(settings, team)
        record_uninstall(settings, team, "app_uninstalled")
        log.info("slack_app_uninstalled", tenant_id=team)

    def on_tokens_revoked(
        ack: Ack, body: dict[str, Any], event: dict[str, Any], context: BoltContext
    ) -> None:
        ack()
        team = str(context.team_id or body.get("team_id"))
        if oauth_mode(settings):
            after_ack(_revoke, team, context.enterprise_id, event.get("tokens", {}))

    def _revoke(team: str, enterprise_id: str | None, tokens: dict[str, list[str]]) -> None:
        store = installation_store(settings)
        for user_id in tokens.get("oauth", []):
            store.delete_installation(enterprise_id=enterprise_id, team_id=team, user_id=user_id)
        if tokens.get("bot"):
            store.delete_bot(enterprise_id=enterprise_id, team_id=team)
        record_uninstall(settings, team, "tokens_revoked")
        log.info("slack_tokens_revoked", tenant_id=team)

    app.event("app_uninstalled")(on_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
