"""A unit of Slack work after the ack (`SlackJob`) and where it runs (`run_job`).

The handlers are the listener modules' `run_*` functions; they are registered where the
listeners are (`bot.slack.listeners.register_listeners`, the in-process after-ack pool) and
the Celery worker's tasks (`bot.slack.tasks`) pass the same table. Apart from
`bot.slack.handoff` so that the listeners' modules, which hand jobs off, are never imported
back by it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel

from integrations.settings import Settings

# "event_request": a verified Events API request, dispatched by Bolt in the worker into the
# other kinds (`bot.slack.event_requests`).
JobKind = Literal["turn", "command", "decision", "confirm", "uninstall", "revoke", "event_request"]
JobHandler = Callable[[Settings, dict[str, Any]], object]

_HANDLERS: dict[str, JobHandler] = {}


class SlackJob(BaseModel):
    """One unit of Slack work after the ack: plain JSON, no tokens."""

    kind: JobKind
    data: dict[str, Any]


def trace_of(job: dict[str, Any]) -> dict[str, str] | None:
    """The W3C trace headers a turn job carries (`SlackTurn.trace_context`), so the worker's
    spans continue the Slack request's trace."""
    return (job.get("data") or {}).get("trace_context") or None


def register_job_handlers(handlers: Mapping[str, JobHandler]) -> None:
    _HANDLERS.update(handlers)


def run_job(
    settings: Settings, job: SlackJob, handlers: Mapping[str, JobHandler] | None = None
) -> None:
    """Run a job with `handlers`, or the registered ones (the after-ack pool)."""
    table = _HANDLERS if handlers is None else handlers
    if job.kind not in table:
        raise LookupError(f"no handler for Slack job {job.kind!r}: listeners not registered")
    table[job.kind](settings, job.data)
