"""App Home tab: published when the user opens it (after the ack)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.slack.background import after_ack
from bot.slack.home import publish_home
from integrations.settings import Settings


def register(app: App, settings: Settings) -> None:
    def on_home_opened(ack: Ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        ack()
        if event.get("tab", "home") != "home":
            return
        after_ack(publish_home, settings, str(body.get("team_id")), event["user"])

    app.event("app_home_opened")(on_home_opened)
