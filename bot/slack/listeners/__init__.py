"""Bolt listeners. Every one calls ack() first; the work runs after, off the ack path."""

from __future__ import annotations

from slack_bolt import App

from bot.slack.jobs import JobHandler, register_job_handlers
from bot.slack.listeners import actions, commands, events, home, lifecycle
from bot.slack.turn import run_turn_job
from integrations.settings import Settings

# What each kind of job handed off after the ack runs (`bot.slack.handoff`).
JOB_HANDLERS: dict[str, JobHandler] = {
    "turn": run_turn_job,
    "command": commands.run_command,
    "decision": actions.run_decision,
    "confirm": actions.run_confirm,
    "uninstall": lifecycle.run_uninstall,
    "revoke": lifecycle.run_revoke,
}


def register_listeners(app: App, settings: Settings) -> None:
    register_job_handlers(JOB_HANDLERS)  # the after-ack pool runs their jobs in this process
    events.register(app, settings)
    commands.register(app, settings)
    actions.register(app, settings)
    home.register(app, settings)
    lifecycle.register(app, settings)
