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


@celery_app.task(name="bmad.slack.run_turns", acks_late=True, ignore_result=True)
def run_slack_turns(payloads: list[dict[str, Any]]) -> None:
    """A batch from one web process: one turn runs here, more fan out to one task each, so
    turns of different conversations run in parallel on all workers."""
    if len(payloads) == 1:
        run_slack_turn(payloads[0])
        return
    queue = get_settings().celery_queue
    for payload in payloads:
        run_slack_turn.apply_async(args=[payload], queue=queue)
