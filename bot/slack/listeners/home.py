"""App Home tab: published when the user opens it (after the ack)."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.slack.home import publish_home
from bot.slack.listeners.acks import ack_now
from integrations.settings import Settings


def register(app: App, settings: Settings) -> None:
    def on_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        publish_home(settings, str(body.get("team_id")), event["user"])

    app.event("app_home_opened")(ack=ack_now, lazy=[on_home_opened])
