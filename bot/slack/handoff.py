"""Hand Slack work to where it runs: durably, before the ack, whenever there is a broker.

Why: Slack resends an event, command or click only when it got no 2xx in time, so work
acknowledged and then lost is never done. With BMAD_QUEUE=celery a listener gives its job
to the publisher (`bot.slack.publisher`) and puts the publish's future in the Bolt request
context; the route (`bot.slack.routes`) waits for the broker's confirmation without
blocking the event loop and answers 503 + Retry-After when there is none, so Slack sends
the request again. The pipeline's event-id claim makes a job published twice answer once.
In the worker's dispatch of a queued Events API request (`bot.slack.event_requests`) the
jobs are collected instead and run by that task. Embedded mode (no broker) runs jobs on
the after-ack pool (`bot.slack.jobs.run_job`, with the handlers `register_listeners`
registered): convenient, not durable.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from concurrent.futures import Future
from typing import Any

from bot.slack.background import after_ack
from bot.slack.jobs import JobKind, SlackJob, run_job
from bot.slack.publisher import publisher_for
from integrations.settings import Settings

# Key in the Bolt request context under which listeners leave their publish futures.
DURABLE_FUTURES = "bmad_durable_futures"
# Set by the worker's dispatch of a queued request (`bot.slack.event_requests`): the jobs are
# collected there and run by the worker itself, not queued again.
COLLECTED_JOBS = "bmad_collected_jobs"


def hand_off(
    settings: Settings, context: MutableMapping[str, Any], kind: JobKind, data: dict[str, Any]
) -> None:
    """Listeners call this before `ack()`; the ack only counts once the job is durable."""
    job = SlackJob(kind=kind, data=data)
    collected = context.get(COLLECTED_JOBS)
    if collected is not None:
        collected.append(job)
        return
    if settings.queue != "celery":
        after_ack(run_job, settings, job)
        return
    future: Future[None] = publisher_for(settings).submit(job)
    context.setdefault(DURABLE_FUTURES, []).append(future)


def durable_futures(context: MutableMapping[str, Any]) -> list[Future[None]]:
    return list(context.get(DURABLE_FUTURES) or [])
