"""Hand Slack work to where it runs: durably, before the ack, whenever there is a broker.

Why: Slack resends an event, command or click only when it got no 2xx in time, so work
acknowledged and then lost is never done. With BMAD_QUEUE=celery a listener gives its job
to the publisher (`bot.slack.publisher`) and puts the publish's future in the Bolt request
context; the route (`bot.slack.routes`) waits for the broker's confirmation without
blocking the event loop and answers 503 + Retry-After when there is none, so Slack sends
the request again. The pipeline's event-id claim makes a job published twice answer once.
Embedded mode (no broker) runs jobs on the after-ack pool: convenient, not durable.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from concurrent.futures import Future
from typing import Any, Literal

from pydantic import BaseModel

from bot.slack.background import after_ack
from integrations.settings import Settings

# Key in the Bolt request context under which listeners leave their publish futures.
DURABLE_FUTURES = "bmad_durable_futures"

JobKind = Literal["turn", "command", "decision", "confirm", "uninstall", "revoke"]


class SlackJob(BaseModel):
    """One unit of Slack work after the ack: plain JSON, no tokens."""

    kind: JobKind
    data: dict[str, Any]


def hand_off(
    settings: Settings, context: MutableMapping[str, Any], kind: JobKind, data: dict[str, Any]
) -> None:
    """Listeners call this before `ack()`; the ack only counts once the job is durable."""
    job = SlackJob(kind=kind, data=data)
    if settings.queue != "celery":
        after_ack(run_job, settings, job)
        return
    from bot.slack.publisher import publisher_for

    future: Future[None] = publisher_for(settings).submit(job)
    context.setdefault(DURABLE_FUTURES, []).append(future)


def trace_of(job: dict[str, Any]) -> dict[str, str] | None:
    """The W3C trace headers a turn job carries (`SlackTurn.trace_context`), so the worker's
    spans continue the Slack request's trace."""
    return (job.get("data") or {}).get("trace_context") or None


def durable_futures(context: MutableMapping[str, Any]) -> list[Future[None]]:
    return list(context.get(DURABLE_FUTURES) or [])


def run_job(settings: Settings, job: SlackJob) -> None:
    """Where a job runs: a Celery worker (`bot.slack.tasks`) or the after-ack pool."""
    _handlers()[job.kind](settings, job.data)


def _handlers() -> dict[str, Callable[[Settings, dict[str, Any]], object]]:
    # Imported here: the listener modules import `hand_off` from this one.
    from bot.slack.listeners.actions import run_confirm, run_decision
    from bot.slack.listeners.commands import run_command
    from bot.slack.listeners.lifecycle import run_revoke, run_uninstall
    from bot.slack.turn import run_turn_job

    return {
        "turn": run_turn_job,
        "command": run_command,
        "decision": run_decision,
        "confirm": run_confirm,
        "uninstall": run_uninstall,
        "revoke": run_revoke,
    }
