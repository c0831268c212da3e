"""Bolt listeners. Every one calls ack() first; the work runs after, off the ack path."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.listeners import actions, commands, events, home, lifecycle
from integrations.settings import Settings


def register_listeners(app: App, settings: Settings) -> None:
    events.register(app, settings)
    commands.register(app, settings)
    actions.register(app, settings)
    home.register(app, settings)
    lifecycle.register(app, settings)
