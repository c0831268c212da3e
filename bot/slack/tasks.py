"""Celery task for Slack turns (BMAD_QUEUE=celery).

Lives on the bot side because a turn needs `conversations`, which the `agents` Celery tasks
may not import; `bot.slack.wiring.wire_worker` makes the worker import this module.
"""

from __future__ import annotations

from typing import Any

from agents.queue import celery_app
from bot.slack.turn import SlackTurn, run_turn
from integrations.settings import get_settings


@celery_app.task(name="bmad.slack.run_turn", acks_late=True, ignore_result=True)
def run_slack_turn(payload: dict[str, Any]) -> None:
    run_turn(get_settings(), SlackTurn.model_validate(payload))
